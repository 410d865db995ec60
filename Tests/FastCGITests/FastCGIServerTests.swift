import Foundation
import HTTPMessages
import Logging
import Synchronization
import Testing
@testable import FastCGI

/// Echoes what the server handed over, so tests can see the request value.
struct EchoHandler: RequestHandler {
    func handle(_ request: ServerRequest) -> ServerResponse {
        let body: String
        switch request.body {
        case .complete(let bytes): body = "complete \(bytes.count)"
        case .tooLarge: body = "tooLarge"
        case .incomplete: body = "incomplete"
        }
        return ServerResponse(status: 200, headers: [("Content-Type", "text/plain"), ("X-Echo", request.header("x-echo") ?? "")],
                              body: Array("\(request.method) \(request.path) ?\(request.query) \(body)".utf8))
    }
}

/// libfcgi keeps process-wide state (its shutdown flag), so the suite shares one
/// real server on a Unix socket for the whole test process.
enum SharedServer {
    static let socketPath: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fcgi-test-\(getpid()).sock").path
        let server = FastCGIServer(
            configuration: ServerConfiguration(address: .unix(path: path), workerCount: 8, maxBodySize: 64 * 1024, idleTimeoutSeconds: 2),
            handler: EchoHandler(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try? server.bind()
        Thread.detachNewThread { server.run() }
        return path
    }()
}

@Suite struct FastCGIServerTests {
    let socket = SharedServer.socketPath

    @Test func answersARequest() throws {
        let response = try FastCGIClient.request(socketPath: socket, method: "POST", uri: "/api/people?x=1", body: Array("{}".utf8),
                                                 extraParams: [("HTTP_X_ECHO", "hello")])
        #expect(response?.hasPrefix("Status: 200 OK\r\n") == true)
        #expect(response?.contains("X-Echo: hello\r\n") == true)
        #expect(response?.hasSuffix("POST /api/people ?x=1 complete 2") == true)
    }

    @Test func bodyOverTheLimitIsNotBuffered() throws {
        let big = [UInt8](repeating: 0x61, count: 70 * 1024)
        #expect(try FastCGIClient.request(socketPath: socket, method: "POST", uri: "/", body: big)?.hasSuffix("tooLarge") == true)
        // Announced small but sent big: still refused at the limit.
        let client = try FastCGIClient(socketPath: socket)
        defer { client.close() }
        client.send(FastCGIClient.beginRequest() + FastCGIClient.params([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/")])
                    + FastCGIClient.stdin(big))
        #expect(client.readResponse()?.hasSuffix("tooLarge") == true)
    }

    @Test("lying or broken CONTENT_LENGTH", arguments: ["10", "1", "-5", "abc", "9223372036854775808", "99999999999999999999"])
    func lyingContentLength(length: String) throws {
        let client = try FastCGIClient(socketPath: socket)
        defer { client.close() }
        client.send(FastCGIClient.beginRequest()
                    + FastCGIClient.params([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/"), ("CONTENT_LENGTH", length)])
                    + FastCGIClient.stdin(Array("abcd".utf8)))
        let response = client.readResponse() ?? ""
        #expect(response.hasSuffix("incomplete") || response.hasSuffix("tooLarge"), "\(response)")
    }

    @Test func clientThatDisconnectsMidRequestDoesNotHurtOthers() throws {
        for _ in 0..<20 {
            let client = try FastCGIClient(socketPath: socket)
            client.send(FastCGIClient.beginRequest() + FastCGIClient.params([("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", "100")])
                        + FastCGIClient.record(.stdin, Array("partial".utf8)))
            client.close()
        }
        #expect(try FastCGIClient.request(socketPath: socket, uri: "/after")?.contains("GET /after") == true)
    }

    @Test func manyRequestsInParallel() {
        let answered = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            if (try? FastCGIClient.request(socketPath: socket, uri: "/p/\(index)"))??.hasSuffix("/p/\(index) ? complete 0") == true {
                answered.add(1, ordering: .relaxed)
            }
        }
        #expect(answered.load(ordering: .relaxed) == 64)
    }

    @Test func keptConnectionServesManyRequests() throws {
        let client = try FastCGIClient(socketPath: socket)
        defer { client.close() }
        for index in 0..<50 {
            client.send(FastCGIClient.beginRequest(keepConnection: true)
                        + FastCGIClient.params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/k/\(index)")]) + FastCGIClient.stdin([]))
            #expect(client.readResponse()?.contains("/k/\(index)") == true)
        }
    }

    @Test func nonResponderRolesAreRefused() throws {
        for role: UInt16 in [2, 3] {  // AUTHORIZER, FILTER
            let client = try FastCGIClient(socketPath: socket)
            client.send(FastCGIClient.beginRequest(role: role) + FastCGIClient.params([("REQUEST_URI", "/")]) + FastCGIClient.stdin([]))
            #expect(client.readResponse() == "")
            #expect(client.protocolStatus == 3)  // FCGI_UNKNOWN_ROLE
            client.close()
        }
        #expect(try FastCGIClient.request(socketPath: socket, uri: "/alive")?.contains("/alive") == true)
    }

    @Test func headerValuesCannotInjectLines() {
        #expect(ResponseWriter.headerSafe("a\r\nSet-Cookie: x") == "aSet-Cookie: x")
    }

    @Test func listenAddressesParse() {
        #expect(ListenAddress(parsing: "127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(ListenAddress(parsing: ":9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(ListenAddress(parsing: "unix:/tmp/x.sock") == .unix(path: "/tmp/x.sock"))
        #expect(ListenAddress(parsing: "var/x.sock") == .unix(path: "var/x.sock"))
        #expect(ListenAddress(parsing: "nonsense") == nil)
        #expect(ListenAddress(parsing: "host:99999") == nil)
    }
}
