import Foundation
import Testing
@testable import PeopleAPI

@Suite struct PersonIDTests {
    @Test func idsAreVersion7UUIDsAndUnique() {
        let ids = (0..<1000).map { _ in PersonID.generate() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(20) {
            #expect(PersonID.canonical(id) == id)
            #expect(Array(id)[14] == "7")
            #expect("89ab".contains(Array(id)[19]))
        }
    }
}
