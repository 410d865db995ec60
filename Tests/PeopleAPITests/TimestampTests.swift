import Foundation
import Testing
@testable import PeopleAPI

@Suite struct TimestampTests {
    @Test("matches Foundation's RFC 3339 formatting", arguments: [0, 951_782_400, 1_795_392_930, 4_102_444_799, 253_402_300_799])
    func matchesFoundation(seconds: Int) {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        // Mid-millisecond: a Double holds .123 as .12299…, which Foundation truncates to .122.
        let expected = Date(timeIntervalSince1970: TimeInterval(seconds) + 0.1235).formatted(style)
        #expect(Timestamp.format(seconds: seconds, milliseconds: 123) == expected)
    }

    @Test func nowIsUTCWithMilliseconds() {
        let now = Timestamp.now()
        #expect(now.count == 24 && now.hasSuffix("Z") && Array(now)[19] == ".")
        #expect(abs((ISO8601DateFormatter.withFractions.date(from: now)?.timeIntervalSinceNow ?? 99)) < 5)
    }
}

private extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
