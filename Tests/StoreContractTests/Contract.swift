import Foundation
import Synchronization
import Testing
@testable import PeopleAPI
import StoreTestSupport

/// What the contract suites share: people to create, and reading a store's outcome and pages.
enum Contract {
    static func submission(_ index: Int, email: String? = nil) -> NewPerson {
        NewPerson(name: "Person \(index)", email: email ?? "p\(index)@example.com", age: index % 150)
    }

    static func created(_ outcome: CreateOutcome) throws -> Person {
        guard case .created(let person) = outcome else { throw CreateWasReplayed() }
        return person
    }

    struct CreateWasReplayed: Error {}

    static func allPages(_ store: any PersonRepository, limit: Int = 100) throws -> [Person] {
        var people: [Person] = []
        var cursor: PageCursor?
        for _ in 0..<10_000 {
            let page = try store.list(limit: limit, after: cursor)
            people += page.items
            cursor = page.next
            if cursor == nil { break }
        }
        return people
    }
}
