/// The limits the contract sets on a request, in one place. nginx's config is rendered from the
/// line below (`scripts/render-nginx.sh` reads `bodyKiB` from this file), and a test checks that
/// `openapi.yaml` and the problem page say the same number.
public enum RequestLimits {
    /// A request body is at most this many KiB; nginx answers 413 past it, and the responder
    /// never reads more than this plus one byte.
    public static let bodyKiB = 64

    public static var bodyBytes: Int { bodyKiB * 1024 }
}
