import Glibc
import Testing
@testable import FastCGI

/// `FCGI_WEB_SERVER_ADDRS`: what it reads, what it refuses to start with, whom it admits.
@Suite struct WebServerAddressesTests {
    static func peer(_ text: String) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutablePointer(to: &storage) { pointer in
            var v4 = in_addr(), v6 = in6_addr()
            if inet_pton(AF_INET, text, &v4) == 1 {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_family = sa_family_t(AF_INET)
                    $0.pointee.sin_addr = v4
                }
            } else if inet_pton(AF_INET6, text, &v6) == 1 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    $0.pointee.sin6_addr = v6
                }
            } else {
                pointer.pointee.ss_family = sa_family_t(AF_UNIX)
            }
        }
        return storage
    }

    static func admits(_ list: String?, _ peer: String) throws -> Bool {
        try WebServerAddresses(environment: list).admits(Self.peer(peer))
    }

    @Test("unreadable entries stop the start", arguments: [
        "10.0.0.0/33", "10.0.0", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/8/8", "example.org", "10.0.0.1,",
        ",10.0.0.1", "10.0.0.1,,10.0.0.2", "::1/129", "fe80::1%eth0", "[::1]", "256.0.0.1", "10.0.0.1 10.0.0.2", "*",
    ])
    func refusesWhatItCannotRead(list: String) {
        #expect(throws: ServerError.self) { try WebServerAddresses(environment: list) }
    }

    @Test func theMessageNamesTheVariableAndTheEntry() {
        do {
            _ = try WebServerAddresses(environment: "10.0.0.1, 10.0.0.0/33")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("FCGI_WEB_SERVER_ADDRS"))
            #expect("\(error)".contains("'10.0.0.0/33'"))
        }
    }

    @Test func unsetOrEmptyAdmitsEveryone() throws {
        for list in [nil, "", "  "] {
            #expect(try Self.admits(list, "192.0.2.7"))
            #expect(try Self.admits(list, "2001:db8::7"))
        }
    }

    @Test func addressesAndBlocksOfBothFamilies() throws {
        let list = " 10.0.0.1 ,192.168.4.0/24, 2001:db8::1, fd00:1::/32, 172.16.0.9/12"
        for admitted in ["10.0.0.1", "192.168.4.0", "192.168.4.255", "2001:db8::1", "fd00:1:ffff::5", "172.31.255.1"] {
            #expect(try Self.admits(list, admitted), "\(admitted)")
        }
        for refused in ["10.0.0.2", "192.168.5.1", "2001:db8::2", "fd00:2::1", "172.32.0.1", "::1", "127.0.0.1"] {
            #expect(try !Self.admits(list, refused), "\(refused)")
        }
    }

    @Test func mappedPeersAreMatchedAsIPv4() throws {
        #expect(try Self.admits("127.0.0.1", "::ffff:127.0.0.1"))
        #expect(try Self.admits("10.0.0.0/8", "::ffff:10.1.2.3"))
        #expect(try !Self.admits("10.0.0.0/8", "::ffff:11.1.2.3"))
        #expect(try Self.admits("::ffff:10.0.0.0/104", "10.200.0.1"))
        // An IPv4 block never reaches past the mapped range.
        #expect(try !Self.admits("0.0.0.0/0", "::1"))
        #expect(try Self.admits("0.0.0.0/0", "203.0.113.9"))
    }

    @Test func aListOfOneFamilyRefusesTheOther() throws {
        #expect(try !Self.admits("10.0.0.1", "::1"))
        #expect(try !Self.admits("::1", "127.0.0.1"))
        #expect(try Self.admits("::/0", "2001:db8::1"))
    }

    @Test func unixPeersAreGuardedByTheSocketFile() throws {
        #expect(try Self.admits("10.0.0.1", "unix"))
    }
}
