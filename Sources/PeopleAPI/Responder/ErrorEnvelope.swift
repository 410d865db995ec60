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
        writer.raw("},\"violations\":[")
        for (index, violation) in violations.enumerated() {
            writer.raw(index > 0 ? ",{\"field\":" : "{\"field\":")
            writer.string(violation.field)
            writer.raw(",\"code\":")
            writer.string(violation.code)
            writer.raw(",\"message\":")
            writer.string(violation.message)
            writer.raw("}")
        }
        writer.raw("],\"timestamp\":")
        writer.string(timestamp)
        writer.raw(",\"correlation_id\":")
        writer.string(correlationID)
        writer.raw("}}")
    }
}
