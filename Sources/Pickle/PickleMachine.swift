import Bytes

/// Runs pickle opcodes over untrusted bytes, building a `PickleGraph`; every limit is checked as it is reached.
///
/// This is the stack machine of Python's `pickle._Unpickler` minus the part that calls things: GLOBAL only
/// names a symbol (after the allowlist agrees) and REDUCE/NEWOBJ/BUILD only record.
struct PickleMachine {
    private var reader: ByteReader
    private let options: PickleOptions
    private(set) var graph = PickleGraph()
    private var stack: [Int] = []
    /// Stack heights at each open MARK.
    private var marks: [Int] = []
    private var memo: [Int: Int] = [:]
    private(set) var protocolVersion = 0
    private var opcodeOffset = 0
    private var opcode = PickleOpcode.stop

    init(_ view: ByteView, at offset: Int, options: PickleOptions) {
        reader = ByteReader(view, offset: offset, context: "pickle")
        self.options = options
    }

    /// Runs to STOP; returns the root node and the offset just past STOP.
    mutating func run() throws(PickleError) -> (root: Int, end: Int) {
        var operations = 0
        while true {
            opcodeOffset = reader.offset
            let byte = try u8("opcode")
            operations += 1
            guard operations <= options.maxOperations else {
                throw .limitExceeded(.operations, limit: options.maxOperations, offset: opcodeOffset)
            }
            guard let decoded = PickleOpcode(rawValue: byte) else {
                throw .unknownOpcode(opcode: byte, offset: opcodeOffset)
            }
            opcode = decoded
            if opcode == .stop { return (try pop(), reader.offset) }
            try execute()
        }
    }

    private mutating func execute() throws(PickleError) {
        switch opcode {
        case .proto:
            let version = Int(try u8("protocol"))
            guard version <= 5 else { throw .unsupportedProtocol(version: version, offset: opcodeOffset) }
            protocolVersion = version
        case .frame:
            // A framing hint for buffered readers; the opcodes inside are read as usual.
            _ = try u64("frame length")
        case .mark:
            guard marks.count < options.maxMarkDepth else {
                throw .limitExceeded(.markDepth, limit: options.maxMarkDepth, offset: opcodeOffset)
            }
            marks.append(stack.count)
        case .pop:
            if let mark = marks.last, mark == stack.count {
                marks.removeLast()
            } else {
                _ = try pop()
            }
        case .popMark:
            _ = try popToMark()
        case .dup:
            try push(try top())

        case .none: try pushValue(.none)
        case .newTrue: try pushValue(.bool(true))
        case .newFalse: try pushValue(.bool(false))
        case .binInt: try pushValue(.int(Int(Int32(bitPattern: try u32("BININT")))))
        case .binInt1: try pushValue(.int(Int(try u8("BININT1"))))
        case .binInt2: try pushValue(.int(Int(try u16("BININT2"))))
        case .long1: try pushValue(try longInteger(byteCount: Int(try u8("LONG1 length"))))
        case .long4: try pushValue(try longInteger(byteCount: Int(Int32(bitPattern: try u32("LONG4 length")))))
        case .binFloat: try pushValue(.float(try f64BigEndian()))

        case .shortBinString: try pushValue(.string(latin1(try payload(length: Int(try u8("length"))))))
        case .binString: try pushValue(.string(latin1(try payload(length: Int(Int32(bitPattern: try u32("length")))))))
        case .shortBinUnicode: try pushValue(.string(try utf8(try payload(length: Int(try u8("length"))))))
        case .binUnicode: try pushValue(.string(try utf8(try payload(length: Int(try u32("length"))))))
        case .binUnicode8: try pushValue(.string(try utf8(try payload(length: try length64()))))
        case .shortBinBytes: try pushValue(.bytes(try payload(length: Int(try u8("length"))).array))
        case .binBytes: try pushValue(.bytes(try payload(length: Int(try u32("length"))).array))
        case .binBytes8: try pushValue(.bytes(try payload(length: try length64()).array))

        case .emptyTuple: try push(add(.tuple([])))
        case .tuple: try push(add(.tuple(try popToMark())))
        case .tuple1, .tuple2, .tuple3:
            let count = Int(opcode.rawValue - PickleOpcode.tuple1.rawValue) + 1
            try push(add(.tuple(try pop(count))))

        case .emptyList: try push(add(.container(.init(.list))))
        case .list:
            let container = PickleGraph.Container(.list)
            container.items = try popToMark()
            try push(add(.container(container)))
        case .append:
            let item = try pop()
            try itemTarget().items.append(item)
        case .appends:
            let items = try popToMark()
            try itemTarget().items.append(contentsOf: items)

        case .emptyDict: try push(add(.container(.init(.dict))))
        case .dict:
            let container = PickleGraph.Container(.dict)
            try addPairs(try popToMark(), to: container)
            try push(add(.container(container)))
        case .setItem:
            let pair = try pop(2)
            try addPairs(pair, to: try pairTarget())
        case .setItems:
            let items = try popToMark()
            try addPairs(items, to: try pairTarget())

        case .emptySet: try push(add(.container(.init(.set))))
        case .addItems:
            let items = try popToMark()
            try itemTarget().items.append(contentsOf: items)
        case .frozenSet: try push(add(.frozenSet(try popToMark())))

        case .global:
            let module = try globalLine()
            let name = try globalLine()
            try pushGlobal(module: module, name: name)
        case .stackGlobal:
            let name = try pop(), module = try pop()
            guard case let .value(.string(moduleName)) = graph[module],
                  case let .value(.string(symbolName)) = graph[name] else {
                throw .wrongOperand(opcode: opcode.name, expected: "two strings",
                                    found: "\(graph.kindName(module)) and \(graph.kindName(name))", offset: opcodeOffset)
            }
            try pushGlobal(module: moduleName, name: symbolName)

        case .reduce:
            let args = try popTuple()
            let callee = try pop()
            try push(add(.container(.init(.call(callee: callee, args: args, kwargs: nil, construction: .reduce)))))
        case .newObj:
            let args = try popTuple()
            let callee = try pop()
            try push(add(.container(.init(.call(callee: callee, args: args, kwargs: nil, construction: .newObject)))))
        case .newObjEx:
            let kwargs = try pop()
            guard case .dict = graph.container(kwargs)?.kind else {
                throw .wrongOperand(opcode: opcode.name, expected: "a keyword dict", found: graph.kindName(kwargs),
                                    offset: opcodeOffset)
            }
            let args = try popTuple()
            let callee = try pop()
            try push(add(.container(.init(.call(callee: callee, args: args, kwargs: kwargs, construction: .newObject)))))
        case .build:
            let state = try pop()
            let target = try top()
            guard let container = graph.container(target), case .call = container.kind, container.state == nil else {
                throw .wrongOperand(opcode: opcode.name, expected: "an object not yet built",
                                    found: graph.kindName(target), offset: opcodeOffset)
            }
            container.state = state

        case .binPersID:
            try push(add(.persistentID(try pop())))

        case .binGet: try push(try memoValue(Int(try u8("memo index"))))
        case .longBinGet: try push(try memoValue(Int(try u32("memo index"))))
        case .binPut: try remember(at: Int(try u8("memo index")))
        case .longBinPut: try remember(at: Int(try u32("memo index")))
        case .memoize: try remember(at: memo.count)

        case .stop:
            break
        case .int, .long, .string, .unicode, .float, .persID, .get, .put, .obj, .inst, .ext1, .ext2, .ext4,
             .byteArray8, .nextBuffer, .readOnlyBuffer:
            throw .unsupportedOpcode(name: opcode.name, offset: opcodeOffset)
        }
    }

    // MARK: Stack

    private mutating func add(_ node: PickleGraph.Node) -> Int {
        graph.add(node, at: opcodeOffset)
    }

    private mutating func push(_ ref: Int) throws(PickleError) {
        guard stack.count < options.maxStackDepth else {
            throw .limitExceeded(.stackDepth, limit: options.maxStackDepth, offset: opcodeOffset)
        }
        stack.append(ref)
    }

    private mutating func pushValue(_ value: PickleValue) throws(PickleError) {
        try push(add(.value(value)))
    }

    /// The floor below which the current opcode may not pop: values under an open MARK belong to it.
    private var floor: Int { marks.last ?? 0 }

    private func top() throws(PickleError) -> Int {
        guard stack.count > floor, let last = stack.last else {
            throw .stackUnderflow(opcode: opcode.name, offset: opcodeOffset)
        }
        return last
    }

    private mutating func pop() throws(PickleError) -> Int {
        let value = try top()
        stack.removeLast()
        return value
    }

    private mutating func pop(_ count: Int) throws(PickleError) -> [Int] {
        guard stack.count - floor >= count else { throw .stackUnderflow(opcode: opcode.name, offset: opcodeOffset) }
        let values = Array(stack.suffix(count))
        stack.removeLast(count)
        return values
    }

    private mutating func popToMark() throws(PickleError) -> [Int] {
        guard let mark = marks.popLast() else { throw .missingMark(opcode: opcode.name, offset: opcodeOffset) }
        let values = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return values
    }

    private mutating func popTuple() throws(PickleError) -> Int {
        let args = try pop()
        guard case .tuple = graph[args] else {
            throw .wrongOperand(opcode: opcode.name, expected: "an argument tuple", found: graph.kindName(args),
                                offset: opcodeOffset)
        }
        return args
    }

    /// The list, set or object that APPEND/APPENDS/ADDITEMS extends.
    private func itemTarget() throws(PickleError) -> PickleGraph.Container {
        let target = try top()
        guard let container = graph.container(target), container.acceptsItems else {
            throw .wrongOperand(opcode: opcode.name, expected: "a list, set or object", found: graph.kindName(target),
                                offset: opcodeOffset)
        }
        return container
    }

    /// The dict or object that SETITEM/SETITEMS fills.
    private func pairTarget() throws(PickleError) -> PickleGraph.Container {
        let target = try top()
        guard let container = graph.container(target), container.acceptsPairs else {
            throw .wrongOperand(opcode: opcode.name, expected: "a dict or object", found: graph.kindName(target),
                                offset: opcodeOffset)
        }
        return container
    }

    private func addPairs(_ items: [Int], to container: PickleGraph.Container) throws(PickleError) {
        guard items.count % 2 == 0 else {
            throw .wrongOperand(opcode: opcode.name, expected: "key/value pairs", found: "\(items.count) values",
                                offset: opcodeOffset)
        }
        for i in stride(from: 0, to: items.count, by: 2) {
            container.keys.append(items[i])
            container.values.append(items[i + 1])
        }
    }

    // MARK: Memo

    private func memoValue(_ index: Int) throws(PickleError) -> Int {
        guard let ref = memo[index] else { throw .missingMemo(index: index, offset: opcodeOffset) }
        return ref
    }

    private mutating func remember(at index: Int) throws(PickleError) {
        let ref = try top()
        if memo[index] == nil, memo.count >= options.maxMemoEntries {
            throw .limitExceeded(.memoEntries, limit: options.maxMemoEntries, offset: opcodeOffset)
        }
        memo[index] = ref
    }

    // MARK: Globals

    private mutating func pushGlobal(module: String, name: String) throws(PickleError) {
        let symbol = PickleSymbols.normalized(module: module, name: name)
        guard PickleSymbols.isAllowed(symbol, options: options) else {
            throw .forbiddenGlobal(symbol: symbol.description, offset: opcodeOffset, path: PicklePathGuess(graph, stack, marks).path)
        }
        try pushValue(.global(symbol))
    }

    /// One newline-terminated name of a GLOBAL opcode.
    private mutating func globalLine() throws(PickleError) -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try u8("GLOBAL name")
            if byte == 0x0A { break }
            guard bytes.count < options.maxStringBytes, byte >= 0x20, byte < 0x7F else {
                throw .invalidGlobalName(offset: opcodeOffset)
            }
            bytes.append(byte)
        }
        guard !bytes.isEmpty else { throw .invalidGlobalName(offset: opcodeOffset) }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Reading operands

    private mutating func u8(_ what: String) throws(PickleError) -> UInt8 {
        do { return try reader.u8(what) } catch { throw .truncated(error) }
    }

    private mutating func u16(_ what: String) throws(PickleError) -> UInt16 {
        do { return try reader.u16(what) } catch { throw .truncated(error) }
    }

    private mutating func u32(_ what: String) throws(PickleError) -> UInt32 {
        do { return try reader.u32(what) } catch { throw .truncated(error) }
    }

    private mutating func u64(_ what: String) throws(PickleError) -> UInt64 {
        do { return try reader.u64(what) } catch { throw .truncated(error) }
    }

    private mutating func f64BigEndian() throws(PickleError) -> Double {
        do { return try reader.f64BigEndian("BINFLOAT") } catch { throw .truncated(error) }
    }

    private mutating func length64() throws(PickleError) -> Int {
        let length = try u64("length")
        // Anything past Int.max is past every limit; report it as the limit it breaks.
        return Int(exactly: length) ?? Int.max
    }

    /// The bytes of a string-like operand, after the length passed the limit (before reading, so a forged
    /// 4 GB length fails on the limit rather than on the file size).
    private mutating func payload(length: Int) throws(PickleError) -> ByteView {
        guard length >= 0 else { throw .negativeLength(opcode: opcode.name, length: length, offset: opcodeOffset) }
        guard length <= options.maxStringBytes else {
            throw .limitExceeded(.stringBytes, limit: options.maxStringBytes, offset: opcodeOffset)
        }
        do { return try reader.bytes(length, "\(opcode.name) payload") } catch { throw .truncated(error) }
    }

    private func utf8(_ view: ByteView) throws(PickleError) -> String {
        guard let text = String(validating: view.buffer, as: UTF8.self) else {
            throw .invalidUTF8(opcode: opcode.name, offset: opcodeOffset)
        }
        return text
    }

    /// Python 2 `str` bytes; torch loads them with encoding="latin1", which maps each byte to one code point.
    private func latin1(_ view: ByteView) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: view.buffer.lazy.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private mutating func longInteger(byteCount: Int) throws(PickleError) -> PickleValue {
        guard byteCount >= 0 else { throw .negativeLength(opcode: opcode.name, length: byteCount, offset: opcodeOffset) }
        guard byteCount <= options.maxIntegerBytes else {
            throw .limitExceeded(.integerBytes, limit: options.maxIntegerBytes, offset: opcodeOffset)
        }
        let raw: [UInt8]
        do { raw = try reader.bytes(byteCount, "\(opcode.name) payload").array } catch { throw .truncated(error) }
        let integer = PickleBigInt(littleEndianTwosComplement: raw)
        return integer.intValue.map(PickleValue.int) ?? .bigInt(integer)
    }
}
