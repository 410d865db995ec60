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
