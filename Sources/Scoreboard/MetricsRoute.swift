/// The route a request is counted under: a template, never the path asked for, so that no id
/// and no stranger's path becomes a label. The responder, which reads the path once to route
/// it, says which.
public enum MetricsRoute: Int, CaseIterable, Sendable {
    case people, person, health, metrics, other

    public var label: String { Layout.routes[rawValue] }
}
