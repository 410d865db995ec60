#if !FUZZING
import Foundation

/// Outside a fuzzing build, replays corpus files through the same targets (no libFuzzer main).
@main
enum ReplayMain {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            // One spare byte, so that even an empty input has a valid address.
            let padded = bytes + [0]
            _ = padded.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { fuzzOneInput($0, bytes.count) }
            }
        }
    }
}
#endif

#if FUZZING
/// SwiftPM links an executable's entry point as `<target>_main`; in a fuzzing build that
/// entry point hands control to libFuzzer's driver, which then calls `fuzzOneInput`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("people_api_fuzz_main")
func fuzzingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#endif
