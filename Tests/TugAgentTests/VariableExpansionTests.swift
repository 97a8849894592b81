import Testing
@testable import TugAgent
import TugRuntime

/// Cases from Kubernetes' expansion rules: `$$` escapes, unknown names stay, no recursion.
struct VariableExpansionTests {
    let vars: [String: String] = ["VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": "", "BIG_MONEY": "$$"]

    func expand(_ s: String) -> String { VariableExpansion.expand(s) { vars[$0] } }

    @Test func replacesKnownReferences() {
        #expect(expand("$(VAR_A)") == "A")
        #expect(expand("___$(VAR_B)___") == "___B___")
        #expect(expand("$(VAR_A)-$(VAR_A)") == "A-A")
        #expect(expand("$(VAR_A)$(VAR_B)$(VAR_C)") == "ABC")
        #expect(expand("foo\\$(VAR_C)bar") == "foo\\Cbar")
        #expect(expand("$(VAR_EMPTY)") == "")
    }

    @Test func doubleDollarEscapes() {
        #expect(expand("$$(VAR_B)_$(VAR_A)") == "$(VAR_B)_A")
        #expect(expand("$$(VAR_A)") == "$(VAR_A)")
        #expect(expand("f000-$$VAR_A") == "f000-$VAR_A")
        #expect(expand("$$$$$$(BIG_MONEY)") == "$$$(BIG_MONEY)")
        #expect(expand("$$$$$$$(BIG_MONEY)") == "$$$$$")
        #expect(expand("$$") == "$")
    }

    @Test func undefinedAndMalformedReferencesStayAsWritten() {
        #expect(expand("$(VAR_DNE)") == "$(VAR_DNE)")
        #expect(expand("$(VAR_A)-$(VAR_DNE)") == "A-$(VAR_DNE)")
        #expect(expand("$()") == "$()")
        #expect(expand("$(VAR_A") == "$(VAR_A")
        #expect(expand("$(VAR_A)$(VAR_B") == "A$(VAR_B")
        #expect(expand("$VAR_A") == "$VAR_A")
        #expect(expand("$") == "$")
        #expect(expand("f00__(VAR_A)__") == "f00__(VAR_A)__")
        #expect(expand("héllo $(VAR_A) wörld $") == "héllo A wörld $")
    }

    @Test func expansionIsSinglePassAndNestedReferencesDoNotResolve() {
        #expect(expand("$(VAR_REF)") == "$(VAR_A)")
        // The name read is `VAR_$(VAR_A`, which is unknown, so everything stays.
        #expect(expand("$(VAR_$(VAR_A))") == "$(VAR_$(VAR_A))")
    }

    @Test func commandAndArgsExpandAgainstTheFinalEnvironment() {
        var c = Fixtures.container()
        c.command = ["/bin/sh", "-c", "echo $(GREETING) $(MISSING) $$(GREETING)"]
        c.args = ["$(TARGET)", "--flag=$(GREETING)$(TARGET)"]
        let line = ContainerCommandLine(container: c, env: [TugRuntime.EnvVar("GREETING", "hello"), TugRuntime.EnvVar("TARGET", "world"), TugRuntime.EnvVar("TARGET", "earth")])
        #expect(line.command == ["/bin/sh", "-c", "echo hello $(MISSING) $(GREETING)"])
        #expect(line.args == ["earth", "--flag=helloearth"])
    }
}
