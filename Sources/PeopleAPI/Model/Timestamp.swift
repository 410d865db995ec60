import Foundation

/// RFC 3339 timestamps in UTC with millisecond precision, as `created_at` and the envelope use.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func now() -> String {
        format(Date())
    }

    public static func format(_ date: Date) -> String {
        date.formatted(style)
    }
}
