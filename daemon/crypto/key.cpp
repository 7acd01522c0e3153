#include "daemon/crypto/key.hpp"

#include <botan/base64.h>
#include <botan/data_src.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/pkcs8.h>
#include <botan/system_rng.h>
#include <botan/x509self.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "daemon/crypto/ssh_wire.hpp"
#include "daemon/util/fs.hpp"

namespace cc::crypto {

namespace {

const char* const kCurve = "secp384r1";
const char* const kSshKeyType = "ecdsa-sha2-nistp384";
const char* const kSshCurve = "nistp384";

std::string point_bytes(const Botan::ECDSA_PublicKey& key) {
    auto bytes = key.public_point().encode(Botan::PointGFp::UNCOMPRESSED);
    return std::string(bytes.begin(), bytes.end());
}

// The key is this member's identity: a copy read by anyone else lets them
// pose as this member. Refuse it rather than use it (as sshd refuses a host
// key others can read).
void check_private(const std::filesystem::path& pem_file) {
    struct stat st {};
    if (::stat(pem_file.c_str(), &st) != 0)
        throw KeyError("cannot check the permissions of " + pem_file.string() + ": " +
                       std::strerror(errno));
    if ((st.st_mode & 077) == 0) return;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw KeyError("key " + pem_file.string() + " is accessible by group or others (mode " + mode +
                   "); run 'chmod 600 " + pem_file.string() + "'");
}

}  // namespace

void generate_key_and_cert(const std::filesystem::path& etc_dir, const std::string& hostname) {
    auto& rng = Botan::system_rng();
    Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group(kCurve));

    Botan::X509_Cert_Options options("", 10 * 365 * 24 * 3600);
    options.common_name = hostname;
    options.add_ex_constraint("PKIX.ServerAuth");
    options.add_ex_constraint("PKIX.ClientAuth");
    Botan::X509_Certificate cert =
        Botan::X509::create_self_signed_cert(options, key, "SHA-384", rng);

    cc::fs::ensure_dir(etc_dir);
    // The key first: a certificate without its key is useless, the reverse is
    // repaired by running gencert again.
    cc::fs::write_atomic(etc_dir / kPrivateKeyFile, Botan::PKCS8::PEM_encode(key), 0600);
    cc::fs::write_atomic(etc_dir / kCertFile, cert.PEM_encode(), 0644);
}

bool key_exists(const std::filesystem::path& etc_dir) {
    return std::filesystem::exists(etc_dir / kPrivateKeyFile);
}

MemberKey load_private_key(const std::filesystem::path& pem_file) {
    std::string pem;
    try {
        pem = cc::fs::read_file(pem_file);
    } catch (const cc::fs::FsError& e) {
        throw KeyError(std::string(e.what()) + "; run 'collective gencert' to create a key");
    }
    check_private(pem_file);
    std::unique_ptr<Botan::Private_Key> loaded;
    try {
        Botan::DataSource_Memory source(pem);
        loaded = Botan::PKCS8::load_key(source);
    } catch (const std::exception& e) {
        throw KeyError("cannot read key " + pem_file.string() + ": " + e.what() +
                       "; restore it from backup or run 'collective gencert'");
    }
    auto* ecdsa = dynamic_cast<Botan::ECDSA_PrivateKey*>(loaded.get());
    if (ecdsa == nullptr || ecdsa->domain().get_curve_oid() != Botan::OID::from_string(kCurve)) {
        throw KeyError("key " + pem_file.string() + " is not an ECDSA P-384 key (" +
                       loaded->algo_name() + "); run 'collective gencert' to replace it");
    }
    MemberKey out;
    out.path = pem_file;
    out.pem = std::move(pem);
    out.blob = ssh_key_blob(point_bytes(*ecdsa));
    out.fingerprint = openssh_fingerprint(out.blob);
    return out;
}

std::string ssh_key_blob(std::string_view uncompressed_point) {
    std::string blob;
    detail::put_ssh_string(blob, kSshKeyType);
    detail::put_ssh_string(blob, kSshCurve);
    detail::put_ssh_string(blob, uncompressed_point);
    return blob;
}

std::string openssh_fingerprint(std::string_view key_blob) {
    auto sha = Botan::HashFunction::create_or_throw("SHA-256");
    sha->update(reinterpret_cast<const uint8_t*>(key_blob.data()), key_blob.size());
    auto digest = sha->final();
    std::string b64 = Botan::base64_encode(digest);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return "SHA256:" + b64;
}

std::string openssh_public_key_line(std::string_view key_blob, std::string_view comment) {
    std::string line =
        std::string(kSshKeyType) + " " +
        Botan::base64_encode(reinterpret_cast<const uint8_t*>(key_blob.data()), key_blob.size());
    if (!comment.empty()) line += " " + std::string(comment);
    return line;
}

}  // namespace cc::crypto
