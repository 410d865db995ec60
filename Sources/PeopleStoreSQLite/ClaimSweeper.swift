import PeopleAPI
import GRDB

/// Removes `Idempotency-Key` claims that no create will ever finish: their process has ended
/// (killed between its claim and its commit) or they are older than the lapse. Without this a
/// dead process's claim stayed in the table until its key came back, on a quiet site forever.
/// Runs on `SQLiteMaintenance`'s thread; the table holds only keys in flight, so it is small.
enum ClaimSweeper {
    static func sweep(on db: Database, now: Int64 = Int64(Timestamp.milliseconds())) throws {
        let claims = try Row.fetchAll(db, sql: "SELECT key, claimed_ms, owner FROM idempotency_claim")
        let abandoned = claims.filter { claim in
            let owner: String? = claim["owner"]
            let lapsed = (claim["claimed_ms"] as Int64) < now - PersonSQLiteRepository.claimLapsesAfterMilliseconds
            return lapsed || owner.map { !ClaimOwner.isAlive($0) } == true
        }
        guard !abandoned.isEmpty else { return }
        try db.inTransaction(.immediate) {
            for claim in abandoned {
                // Only the claim as it was read: a process may have taken the key over since.
                try db.execute(sql: "DELETE FROM idempotency_claim WHERE key = ? AND claimed_ms = ? AND owner IS ?",
                               arguments: [claim["key"] as String, claim["claimed_ms"] as Int64, claim["owner"] as String?])
            }
            return .commit
        }
    }
}
