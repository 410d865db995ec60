import Testing
@testable import PeopleAPI

/// Tokens themselves: their randomness and alphabet, and comparing digests.
@Suite struct OperatorTokenTests {
    @Test func tokensAre256BitsOfURLSafeCharacters() {
        let tokens = (0..<200).map { _ in OperatorToken.generate() }
        #expect(Set(tokens).count == 200)
        for token in tokens {
            #expect(token.utf8.count == 43)
            #expect(Base64URL.decode(token)?.count == 32)
            #expect(token.utf8.allSatisfy(Base64URL.isAlphabet))
        }
    }

    @Test func digestsCompareByValue() {
        let digest = OperatorToken.digest("a")
        #expect(OperatorToken.digestsMatch(digest, OperatorToken.digest("a")))
        #expect(!OperatorToken.digestsMatch(digest, OperatorToken.digest("b")))
        var lastByteDiffers = digest
        lastByteDiffers[31] ^= 1
        #expect(!OperatorToken.digestsMatch(digest, lastByteDiffers))
        #expect(!OperatorToken.digestsMatch(digest, Array(digest.prefix(31))))
    }
}
