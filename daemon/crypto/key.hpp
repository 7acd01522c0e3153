// This member's identity: an ECDSA P-384 key (PKCS#8 PEM, ETC/privkey.pem,
// mode 0600) and a self-signed X.509 certificate (ETC/srvcert.pem, CN = host
// name). The same key is the SSH host key and the SSH client key, so its
// OpenSSH SHA-256 fingerprint ("SHA256:...", what `ssh-keygen -lf` prints) is
// how other members pin it.
//
// Errors: unreadable or malformed key files raise KeyError (one line naming the
// file and what to do); write failures raise cc::fs::FsError.
// Threading: free functions without shared state; safe from any thread.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cc::crypto {

inline constexpr const char* kPrivateKeyFile = "privkey.pem";
inline constexpr const char* kCertFile = "srvcert.pem";

struct KeyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A loaded member key. `pem` is the PKCS#8 private key (secret: never log it);
// `blob` is the public key in SSH wire format (see ssh_key_blob below).
struct MemberKey {
    std::filesystem::path path;
    std::string pem;
    std::string blob;
    std::string fingerprint;  // "SHA256:<43 base64 chars>"
};

// Writes a fresh key to etc_dir/privkey.pem (0600) and a self-signed
// certificate for it to etc_dir/srvcert.pem (0644), each atomically; creates
// etc_dir if missing. Replaces existing files: callers decide whether to.
void generate_key_and_cert(const std::filesystem::path& etc_dir, const std::string& hostname);

// True when etc_dir/privkey.pem exists.
bool key_exists(const std::filesystem::path& etc_dir);

// Loads and checks a PKCS#8 PEM ECDSA P-384 private key; KeyError otherwise,
// and also when group or others have any access to the file (the error says
// "run 'chmod 600 <file>'").
MemberKey load_private_key(const std::filesystem::path& pem_file);

// SSH wire format of an ECDSA P-384 public key (RFC 5656 section 3.1):
//   string "ecdsa-sha2-nistp384", string "nistp384", string Q (uncompressed point)
// `point` is the uncompressed SEC1 encoding of Q (0x04 || X || Y, 97 bytes).
std::string ssh_key_blob(std::string_view uncompressed_point);

// "SHA256:" + unpadded base64 of SHA-256(blob), exactly as OpenSSH prints it.
std::string openssh_fingerprint(std::string_view key_blob);

// One line "ecdsa-sha2-nistp384 <base64 blob> <comment>" as in authorized_keys
// or `ssh-keygen -y` output (handy for administrators and tests).
std::string openssh_public_key_line(std::string_view key_blob, std::string_view comment = "");

}  // namespace cc::crypto
