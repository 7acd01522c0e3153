// STATE/collective/invitations (daemon/crypto/invitation_book.hpp), read at
// start. InvitationFileError is the refusal; a book that loads answers.
#include "daemon/crypto/invitation_book.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = cc::fuzz::scratch() / "invitations";
    cc::fuzz::write_file(file, cc::fuzz::bytes_of(data, size));
    // A fixed clock: the seeds' invitations are pending, later ones expired.
    auto clock = [] {
        return std::chrono::system_clock::time_point(std::chrono::seconds(1800000000));
    };
    try {
        cc::crypto::InvitationBook book(file, clock);
        (void)book.has_pending();
        (void)book.pending_names();
    } catch (const cc::crypto::InvitationFileError&) {
    }
    return 0;
}
