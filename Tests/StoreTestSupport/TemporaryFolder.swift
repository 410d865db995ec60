import Foundation
import Synchronization

/// Temporary folders for store files, removed when the test process ends, whether its tests
/// passed or failed (an `atexit` handler: Swift Testing has no suite-wide tear-down).
public enum TemporaryFolder {
    private static let made = Mutex<[URL]>([])
    private static let removal: Void = { atexit { TemporaryFolder.removeAll() } }()

    /// A path named `name` in a new folder of its own.
    public static func file(_ name: String) -> String {
        _ = removal
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("people-store-\(UUID().uuidString)")
        made.withLock { $0.append(folder) }
        return folder.appendingPathComponent(name).path
    }

    static func removeAll() {
        for folder in made.withLock({ $0 }) { try? FileManager.default.removeItem(at: folder) }
    }
}
