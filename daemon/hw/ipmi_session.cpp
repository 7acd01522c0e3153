// Opening a FreeIPMI out-of-band 2.0 session within a deadline, the two
// chassis commands power control needs, and FreeIPMI's error numbers turned
// into one line a user can act on.
#include "daemon/hw/ipmi_session.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

namespace cc::hw {

namespace {

// Shortest FreeIPMI session timeout we ask for: below this a loopback BMC
// under load can miss its first answer and retransmission has no room.
constexpr unsigned kMinSessionMs = 100;

// FreeIPMI checks its session timeout only between waits for an answer, and
// the waits grow (retransmission timeout r, r, 2r, 2r, 3r, ...), so it gives
// up late by up to one wait. A session timeout of 70% of what is left and
// r = 1/20 of that keep the open within the deadline (measured: an
// unreachable BMC is reported after 70..100% of the timeout).
constexpr unsigned kSessionPercent = 70;
constexpr unsigned kRetransmitDivisor = 20;
constexpr unsigned kMinRetransmitMs = 10;
constexpr unsigned kMaxRetransmitMs = 1000;  // FreeIPMI's own default

unsigned session_budget(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const long long ms = std::max<long long>(0, left.count()) * kSessionPercent / 100;
    return static_cast<unsigned>(std::max<long long>(kMinSessionMs, ms));
}

// FreeIPMI runs libgcrypt's global initialisation on every session open, and
// part of it (gcry_check_version, GCRYCTL_INITIALIZATION_FINISHED) sits outside
// its own mutex. Doing it once here, before any concurrent open, means later
// opens find gcrypt initialised already.
void init_crypto_once() {
    static std::once_flag once;
    std::call_once(once, [] { (void)ipmi_rmcpplus_init(); });
}

struct FiidObj {
    explicit FiidObj(fiid_template_t tmpl) : obj(fiid_obj_create(tmpl)) {}
    ~FiidObj() {
        if (obj != nullptr) fiid_obj_destroy(obj);
    }
    FiidObj(const FiidObj&) = delete;
    FiidObj& operator=(const FiidObj&) = delete;
    fiid_obj_t obj;
};

}  // namespace

IpmiSession::IpmiSession(const BmcTarget& bmc, Clock::time_point deadline,
                         std::chrono::milliseconds timeout)
    : label_(bmc.host + ":" + std::to_string(bmc.port)),
      user_(bmc.user),
      cipher_suite_(bmc.cipher_suite),
      timeout_(timeout) {
    // Inputs FreeIPMI would only answer with "invalid parameters": say which.
    if (bmc.host.empty()) {
        error_ = "no BMC address (hardwaremanagement.manager is not set)";
        return;
    }
    if (bmc.host.find(':') != std::string::npos) {
        // FreeIPMI reads "host:port" itself and only speaks IPv4.
        error_ =
            "BMC address '" + bmc.host + "' is not supported: use an IPv4 address or a host name";
        return;
    }
    if (bmc.port == 0) {
        error_ = "BMC " + label_ + ": port 0 is not a valid port";
        return;
    }
    if (bmc.user.size() > IPMI_MAX_USER_NAME_LENGTH) {
        error_ = "BMC user name '" + bmc.user + "' is longer than IPMI's " +
                 std::to_string(IPMI_MAX_USER_NAME_LENGTH) + " characters";
        return;
    }
    if (bmc.password.size() > IPMI_2_0_MAX_PASSWORD_LENGTH) {
        error_ = "BMC password for " + label_ + " is longer than IPMI 2.0's " +
                 std::to_string(IPMI_2_0_MAX_PASSWORD_LENGTH) + " characters";
        return;
    }
    const unsigned session_ms = session_budget(deadline);
    init_crypto_once();
    if (bmc.workaround_flags) {
        open(bmc, *bmc.workaround_flags, session_ms);
        return;
    }
    if (open(bmc, 0, session_ms)) return;
    // ipmi_sim (and some real BMCs) hash the RAKP exchange with the privilege
    // of the Open Session request, not of RAKP 1; FreeIPMI's "opensesspriv"
    // workaround matches that. The failure is an immediate answer, so a
    // second try costs one round trip and only happens for this error.
    if (ctx_ != nullptr && ipmi_ctx_errnum(ctx_) == IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED &&
        Clock::now() < deadline) {
        open(bmc, IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE,
             session_budget(deadline));
    }
}

IpmiSession::~IpmiSession() {
    if (ctx_ == nullptr) return;
    if (opened_) ipmi_ctx_close(ctx_);  // Close Session, so the BMC frees its slot
    ipmi_ctx_destroy(ctx_);
}

bool IpmiSession::open(const BmcTarget& bmc, unsigned workaround_flags, unsigned session_ms) {
    if (ctx_ != nullptr) ipmi_ctx_destroy(ctx_);
    ctx_ = ipmi_ctx_create();
    if (ctx_ == nullptr) {
        error_ = "BMC " + label_ + ": out of memory creating an IPMI context";
        return false;
    }
    // Below the session timeout, as FreeIPMI requires (see kSessionPercent).
    const unsigned retransmit_ms =
        std::clamp(session_ms / kRetransmitDivisor, kMinRetransmitMs, kMaxRetransmitMs);
    // "host:port" is FreeIPMI's own syntax for a non-standard port (>= 1.6).
    const std::string address = bmc.host + ":" + std::to_string(bmc.port);
    const int rc = ipmi_ctx_open_outofband_2_0(
        ctx_, address.c_str(), bmc.user.c_str(), bmc.password.c_str(), nullptr, 0,
        IPMI_PRIVILEGE_LEVEL_ADMIN, bmc.cipher_suite, session_ms, retransmit_ms, workaround_flags,
        IPMI_FLAGS_DEFAULT);
    if (rc < 0) {
        error_ = describe("opening a session");
        return false;
    }
    opened_ = true;
    error_.clear();
    return true;
}

std::optional<bool> IpmiSession::power_is_on() {
    FiidObj rs(tmpl_cmd_get_chassis_status_rs);
    if (rs.obj == nullptr) {
        error_ = "BMC " + label_ + ": out of memory";
        return std::nullopt;
    }
    if (ipmi_cmd_get_chassis_status(ctx_, rs.obj) < 0) {
        error_ = describe("reading the power state");
        return std::nullopt;
    }
    uint64_t on = 0;
    if (fiid_obj_get(rs.obj, "current_power_state.power_is_on", &on) != 1) {
        error_ = "BMC " + label_ + " answered Get Chassis Status without a power state";
        return std::nullopt;
    }
    return on != 0;
}

bool IpmiSession::chassis_control(uint8_t control, std::string_view what) {
    FiidObj rs(tmpl_cmd_chassis_control_rs);
    if (rs.obj == nullptr) {
        error_ = "BMC " + label_ + ": out of memory";
        return false;
    }
    if (ipmi_cmd_chassis_control(ctx_, control, rs.obj) < 0) {
        if (ipmi_ctx_errnum(ctx_) == IPMI_ERR_BAD_COMPLETION_CODE ||
            ipmi_ctx_errnum(ctx_) == IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED) {
            // The BMC answered and said no: quote its completion code.
            char text[256] = {0};
            if (ipmi_completion_code_strerror_cmd_r(rs.obj, IPMI_NET_FN_CHASSIS_RQ, text,
                                                    sizeof text) == 0)
                error_ = "BMC " + label_ + " refused " + std::string(what) + ": " + text;
            else
                error_ = "BMC " + label_ + " refused " + std::string(what) + ": " +
                         ipmi_ctx_errormsg(ctx_);
            return false;
        }
        error_ = describe(std::string(what).insert(0, "sending "));
        return false;
    }
    return true;
}

std::string IpmiSession::describe(std::string_view doing) const {
    const int errnum = ipmi_ctx_errnum(ctx_);
    const std::string bmc = "BMC " + label_;
    switch (errnum) {
        case IPMI_ERR_PASSWORD_INVALID:
        case IPMI_ERR_K_G_INVALID:
            return "authentication failed: wrong user or password for " + bmc;
        case IPMI_ERR_USERNAME_INVALID:
            return "authentication failed: " + bmc + " has no user '" + user_ + "'";
        case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
        case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
            // Also what a BMC with the "opensesspriv" quirk answers when the
            // workaround is off (BmcTarget::workaround_flags set without it).
            return bmc + " refused the administrator privilege to user '" + user_ +
                   "' (power control needs it)";
        case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
        case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
            return bmc + " does not offer cipher suite " + std::to_string(cipher_suite_);
        case IPMI_ERR_IPMI_2_0_UNAVAILABLE:
            return bmc + " does not speak IPMI 2.0 (RMCP+)";
        case IPMI_ERR_CONNECTION_TIMEOUT:
        case IPMI_ERR_SESSION_TIMEOUT:
            return bmc + " did not answer within " + std::to_string(timeout_.count()) + " ms";
        case IPMI_ERR_HOSTNAME_INVALID:
            return "cannot resolve BMC host '" + label_.substr(0, label_.rfind(':')) + "'";
        case IPMI_ERR_BMC_BUSY:
            return bmc + " is busy; try again";
        default:
            return bmc + ": " + std::string(doing) + " failed: " + ipmi_ctx_errormsg(ctx_);
    }
}

}  // namespace cc::hw
