// swift-tools-version:6.0
// libFuzzer targets for every Decant reader of untrusted input: one executable per reader, built by `Tools/fuzz`
// with `-sanitize=fuzzer,address -parse-as-library` into `.build-fuzz`. A package of its own so the fuzzer flags
// never touch the main build; it depends on the main package by path.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which depends on where the checkout lives.
let decantRoot = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let decant = decantRoot.lastPathComponent.lowercased()

/// One fuzz target: `Sources/<name>/<name>.swift` with a `@_cdecl("LLVMFuzzerTestOneInput")` entry.
func fuzzTarget(_ name: String) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "DecantKit", package: decant)],
                      path: "Sources/\(name)")
}

let targets = [
    "FuzzCodec", "FuzzEFF", "FuzzEFFManifest", "FuzzGunzip", "FuzzTar", "FuzzZip", "FuzzPickle", "FuzzTorch",
    "FuzzNemo", "FuzzNative", "FuzzSafetensors", "FuzzTokenizer", "FuzzZipWalker",
    "FuzzEFFStream",
]

let package = Package(
    name: "DecantFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "DecantKit", package: decant)], path: "Sources/FuzzSupport"),
    ] + targets.map(fuzzTarget)
)
