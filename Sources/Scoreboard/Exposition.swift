/// The snapshot in Prometheus's text exposition format (0.0.4) or OpenMetrics 1.0.0. Label
/// values come only from the fixed lists of `Layout` (route templates, methods, statuses, slot
/// numbers) and the build's own version and store kind: never a person's data, an id or a token.
public enum Exposition {
    public enum Format: Sendable {
        case prometheus, openMetrics

        public var contentType: String {
            switch self {
            case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }
    }

    public static func render(_ snapshot: Snapshot, buildInfo: BuildInfo, format: Format) -> String {
        var out = Writer(format: format)
        let build = "version=\"\(escape(buildInfo.version))\",store=\"\(escape(buildInfo.store))\""
        if format == .openMetrics {
            out.family("people_api_build", "info", "The build's version and its store kind.")
            out.sample("people_api_build_info", build, 1)
        } else {
            out.family("people_api_build_info", "gauge", "The build's version and its store kind (always 1).")
            out.sample("people_api_build_info", build, 1)
        }

        out.counter("people_api_requests", "Requests answered by the responders, by route template, method and status.")
        for route in 0..<Layout.routes.count {
            for method in 0..<Layout.methods.count {
                for status in 0..<Layout.statusIndexCount {
                    let count = snapshot[Layout.requestWord(route: route, method: method, status: status)]
                    guard count > 0 else { continue }
                    out.sample("people_api_requests_total",
                               "route=\"\(Layout.routes[route])\",method=\"\(Layout.methods[method])\",status=\"\(Snapshot.statusLabel(status))\"",
                               count)
                }
            }
        }
        out.family("people_api_request_duration_seconds", "histogram",
                   "Time from the request's arrival in the application to its answer, by route template.")
        for route in 0..<Layout.routes.count {
            let word = Layout.durationWord(route: route)
            guard snapshot[word + Layout.durationBounds.count + 2] > 0 || route < 3 else { continue }
            out.histogram("people_api_request_duration_seconds", label: "route=\"\(Layout.routes[route])\"",
                          bounds: Layout.durationBounds.map { seconds($0) }, snapshot: snapshot, at: word,
                          sum: seconds(snapshot[word + Layout.durationBounds.count + 1]))
        }

        out.gauge("people_api_requests_in_flight", "Requests being handled by the application now.", snapshot.inFlight)
        out.family("people_api_workers", "gauge", "Worker threads of the live responders, busy with a connection or idle.")
        out.sample("people_api_workers", "state=\"busy\"", snapshot.workersBusy)
        out.sample("people_api_workers", "state=\"idle\"", snapshot.workersIdle)
        out.gauge("people_api_fastcgi_connections_open", "FastCGI connections the responders hold open (waiting for a request or being served).",
                  snapshot.connectionsOpen)
        out.counter("people_api_fastcgi_connections_idle_closed", "FastCGI connections closed after staying silent past the idle timeout.",
                    snapshot[Layout.connectionsClosedIdle])
        out.counter("people_api_fastcgi_connections_refused", "FastCGI connections refused by the address allowlist (FCGI_WEB_SERVER_ADDRS).",
                    snapshot[Layout.connectionsRefused])

        out.gauge("people_api_processes", "Responder processes alive now.", UInt64(snapshot.processes.count))
        out.counter("people_api_processes_started", "Responder processes started.", snapshot.processesStarted)
        out.counter("people_api_processes_ended_abnormally", "Responder processes that ended without a clean stop (killed, crashed).",
                    snapshot.processesEndedAbnormally)
        out.family("people_api_process_start_time_seconds", "gauge", "Start time of each live responder process since the Unix epoch, by scoreboard slot.")
        for process in snapshot.processes {
            out.sample("people_api_process_start_time_seconds", "slot=\"\(process.slot)\"", decimal(process.startUnixSeconds))
        }
        out.family("people_api_process_resident_memory_bytes", "gauge", "Resident memory of each live responder process, by scoreboard slot.")
        for process in snapshot.processes {
            if let bytes = process.residentBytes { out.sample("people_api_process_resident_memory_bytes", "slot=\"\(process.slot)\"", bytes) }
        }

        out.counter("people_api_store_commits", "Store transactions committed with new people in them.", snapshot.commits)
        out.family("people_api_store_creates_per_commit", "histogram", "New people per store commit (the group commit's batch size).")
        out.histogram("people_api_store_creates_per_commit", label: nil, bounds: Layout.batchBounds.map { String($0) },
                      snapshot: snapshot, at: Layout.batchHistogram, sum: String(snapshot.createsCommitted))
        out.counter("people_api_store_unavailable", "Requests answered 503 because the store was unavailable.", snapshot.storeUnavailable)
        out.counter("people_api_idempotent_replays", "Creates answered with the stored result of an earlier request with the same Idempotency-Key.",
                    snapshot[Layout.idempotentReplays])
        out.counter("people_api_idempotency_keys_in_flight", "Creates refused (409) because a request with the same Idempotency-Key was still being handled.",
                    snapshot[Layout.keysInFlight])
        out.counter("people_api_idempotency_keys_reused", "Creates refused (422) because their Idempotency-Key was used with another body.",
                    snapshot[Layout.keysReused])
        if format == .openMetrics { out.text += "# EOF\n" }
        return out.text
    }

    private struct Writer {
        let format: Format
        var text = ""

        init(format: Format) {
            self.format = format
            text.reserveCapacity(16 * 1024)
        }

        mutating func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }

        /// OpenMetrics names a counter family without its `_total`; Prometheus's text format with it.
        mutating func counter(_ family: String, _ help: String) {
            self.family(format == .openMetrics ? family : family + "_total", "counter", help)
        }

        mutating func counter(_ family: String, _ help: String, _ value: UInt64) {
            counter(family, help)
            sample(family + "_total", nil, value)
        }

        mutating func gauge(_ name: String, _ help: String, _ value: UInt64) {
            self.family(name, "gauge", help)
            sample(name, nil, value)
        }

        mutating func sample(_ name: String, _ labels: String?, _ value: UInt64) {
            sample(name, labels, String(value))
        }

        mutating func sample(_ name: String, _ labels: String?, _ value: String) {
            text += name
            if let labels { text += "{\(labels)}" }
            text += " \(value)\n"
        }

        /// Buckets are stored one count each; the exposition's are cumulative.
        mutating func histogram(_ name: String, label: String?, bounds: [String], snapshot: Snapshot, at word: Int, sum: String) {
            var cumulative: UInt64 = 0
            let prefix = label.map { $0 + "," } ?? ""
            for (index, bound) in bounds.enumerated() {
                cumulative &+= snapshot[word + index]
                sample(name + "_bucket", "\(prefix)le=\"\(bound)\"", cumulative)
            }
            cumulative &+= snapshot[word + bounds.count]
            sample(name + "_bucket", "\(prefix)le=\"+Inf\"", cumulative)
            sample(name + "_sum", label, sum)
            sample(name + "_count", label, snapshot[word + bounds.count + 2])
        }
    }

    /// Nanoseconds as seconds, exactly (no binary fraction's noise): 50000 → "5e-05" is avoided too.
    static func seconds(_ nanoseconds: UInt64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole).0" : "\(whole).\(fraction)"
    }

    static func decimal(_ value: Double) -> String {
        let milliseconds = UInt64(min(max(0, value * 1000), 1e15).rounded())  // a damaged file must not trap
        return seconds(milliseconds * 1_000_000)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
