/// The body of every error response: `{"error": {...}}`.
struct ErrorEnvelope: JSONBody {
    let status: Int
    let code: String
    let message: String
    /// In the order of `errors` (by field name); `errors` is built from them, so the two always agree.
    let violations: [Violation]
    let timestamp: String
    let correlationID: String

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"error\":{\"status\":")
        writer.int(status)
        writer.raw(",\"code\":")
        writer.string(code)
        writer.raw(",\"message\":")
        writer.string(message)
        // Always present, `{}` and `[]` when no field is at fault, so clients can index them blindly.
        writer.raw(",\"errors\":{")
        var index = 0
        while index < violations.count {
            if index > 0 { writer.raw(",") }
            let field = violations[index].field
            writer.string(field)
            writer.raw(":[")
            var first = true
            while index < violations.count, violations[index].field == field {
                if !first { writer.raw(",") }
                writer.string(violations[index].message)
                first = false
                index += 1
            }
            writer.raw("]")
        }
        writer.raw("},\"violations\":")
        writer.fieldProblems(violations, place: "field", \.field, text: "message")
        writer.raw(",\"timestamp\":")
        writer.string(timestamp)
        writer.raw(",\"correlation_id\":")
        writer.string(correlationID)
        writer.raw("}}")
    }
}

extension JSONWriter {
    /// The field problems as a list, `[{"<place>": ..., "code": ..., "<text>": ...}]`: the envelope's
    /// `violations` (`field`, `message`) and problem details' `errors` (`pointer`, `detail`).
    mutating func fieldProblems(_ violations: [Violation], place placeKey: StaticString, _ place: (Violation) -> String,
                                text textKey: StaticString) {
        raw("[")
        for (index, violation) in violations.enumerated() {
            raw(index > 0 ? ",{\"" : "{\"")
            raw(placeKey)
            raw("\":")
            string(place(violation))
            raw(",\"code\":")
            string(violation.code)
            raw(",\"")
            raw(textKey)
            raw("\":")
            string(violation.message)
            raw("}")
        }
        raw("]")
    }
}
