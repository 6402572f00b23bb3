import Bytes
import Foundation
import Testing
@testable import Pickle

/// Pickles that run code under Python's pickle (made by Tools/make_malicious_pickles.py, which proves each one
/// creates /tmp/decant_malicious_pickle_ran when Python loads it).
@Suite(.serialized) struct PickleSecurityTests {
    static let marker = "/tmp/decant_malicious_pickle_ran"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/malicious")

    private func load(_ name: String) throws -> ByteView {
        try MappedFile(path: Self.fixtures.appendingPathComponent(name).path).view
    }

    private func refusal(_ name: String) throws -> (symbol: String, offset: Int, path: String?)? {
        do {
            _ = try PickleReader.read(try load(name))
            return nil
        } catch let PickleError.forbiddenGlobal(symbol, offset, path) {
            return (symbol, offset, path)
        }
    }

    @Test(arguments: [
        ("os_system.pkl", "os.system", "callback"),
        ("builtins_eval.pkl", "builtins.eval", nil),
        ("subprocess_popen.pkl", "subprocess.Popen", nil),
        ("posix_system_stack_global.pkl", "posix.system", nil),
        ("builtins_getattr.pkl", "builtins.getattr", nil),
        ("builtins_import.pkl", "builtins.__import__", nil),
    ] as [(String, String, String?)])
    func refusedByDefaultNamingTheGlobal(file: String, symbol: String, path: String?) throws {
        let refused = try #require(try refusal(file))
        #expect(refused.symbol == symbol)
        #expect(refused.path == path)
        #expect(refused.offset > 0)
    }

    @Test func refusalPointsAtTheByteOfTheGlobal() throws {
        let view = try load("os_system.pkl")
        let refused = try #require(try refusal("os_system.pkl"))
        #expect(view[refused.offset] == 0x63)  // GLOBAL
        #expect(view.matches(Array("cos\nsystem\n".utf8), at: refused.offset))
    }

    @Test(arguments: ["os_system.pkl", "builtins_eval.pkl", "subprocess_popen.pkl", "posix_system_stack_global.pkl",
                      "builtins_getattr.pkl", "builtins_import.pkl"])
    func allowOpaqueShowsTheCallAsDataAndRunsNothing(file: String) throws {
        try? FileManager.default.removeItem(atPath: Self.marker)
        let document = try PickleReader.read(try load(file), options: PickleOptions(allowOpaque: true))
        // Give a spawned process (if anything had been spawned) time to create the marker.
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!FileManager.default.fileExists(atPath: Self.marker))
        #expect(Self.containsObject(document.root))
    }

    @Test func theRecordedCallShowsItsCommand() throws {
        let root = try PickleReader.read(try load("os_system.pkl"), options: PickleOptions(allowOpaque: true)).root
        guard case let .object(call)? = root.dictValue?["callback"] else { Issue.record("no callback object: \(root)"); return }
        #expect(call.symbol == PickleGlobal(module: "os", name: "system"))
        #expect(call.args == [.string("touch /tmp/decant_malicious_pickle_ran")])
        #expect(root.dictValue?["state_dict"]?.dictValue?["w"] == .int(1))
    }

    @Test func extraAllowedGlobalsWidenTheAllowlist() throws {
        let view = pickle(Op.global("mylib.config", "Settings"), Op.emptyTuple, Op.newObj)
        #expect(throws: PickleError.forbiddenGlobal(symbol: "mylib.config.Settings", offset: 2, path: nil)) {
            try PickleReader.read(view)
        }
        let value = try PickleReader.read(view, options: PickleOptions(extraAllowedGlobals: ["mylib.config.Settings"])).root
        guard case let .object(object) = value else { Issue.record("expected an object, got \(value)"); return }
        #expect(object.symbol?.description == "mylib.config.Settings")
    }

    @Test func allowlistedDataClassesNeedNoOption() throws {
        for symbol in ["argparse.Namespace", "numpy._core.multiarray._reconstruct", "numpy.core.multiarray.scalar",
                       "omegaconf.dictconfig.DictConfig", "typing.Any", "pathlib.PosixPath"] {
            let dot = symbol.lastIndex(of: ".")!
            let view = pickle(Op.global(String(symbol[..<dot]), String(symbol[symbol.index(after: dot)...])))
            #expect(try PickleReader.read(view).root == .global(PickleGlobal(module: String(symbol[..<dot]),
                                                                             name: String(symbol[symbol.index(after: dot)...]))))
        }
    }

    @Test func forbiddenGlobalsDeepInsideAreLocatedByKeyPath() throws {
        // {'hyper_parameters': {'cfg': [0, os.system(...)]}}
        let view = pickle(Op.emptyDict, Op.mark, Op.unicode("epoch"), Op.int1(1), Op.unicode("hyper_parameters"),
                          Op.emptyDict, Op.mark, Op.unicode("cfg"), Op.emptyList, Op.mark, Op.int1(0),
                          Op.global("os", "system"))
        #expect {
            try PickleReader.read(view)
        } throws: { error in
            guard case let .forbiddenGlobal(symbol, _, path) = error as? PickleError else { return false }
            return symbol == "os.system" && path == "hyper_parameters.cfg.1"
        }
    }

    private static func containsObject(_ value: PickleValue) -> Bool {
        switch value {
        case .object: return true
        case let .dict(dict): return dict.entries.contains { containsObject($0.value) }
        case let .list(items), let .tuple(items): return items.contains(where: containsObject)
        default: return false
        }
    }
}
