import Foundation

/// Whether an ELF executable is statically linked (no `PT_INTERP` program header): only a static
/// busybox runs inside an image that holds nothing else.
enum ELFLinkage {
    enum Kind: Equatable { case staticExecutable, dynamicExecutable, notELF }

    static func kind(of data: Data) -> Kind {
        let bytes = [UInt8](data.prefix(64))
        guard bytes.count >= 52, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return .notELF }
        let is64 = bytes[4] == 2
        let bigEndian = bytes[5] == 2
        func read(_ offset: Int, _ width: Int) -> Int? {
            guard offset >= 0, offset + width <= data.count else { return nil }
            var value = 0
            for i in 0..<width {
                let byte = Int(data[data.startIndex + offset + (bigEndian ? i : width - 1 - i)])
                value = value << 8 | byte
            }
            return value
        }
        guard let tableOffset = read(is64 ? 32 : 28, is64 ? 8 : 4),
              let entrySize = read(is64 ? 54 : 42, 2),
              let count = read(is64 ? 56 : 44, 2), entrySize >= 4 else { return .notELF }
        for index in 0..<count {
            guard let type = read(tableOffset + index * entrySize, 4) else { return .notELF }
            if type == 3 { return .dynamicExecutable } // PT_INTERP
        }
        return .staticExecutable
    }
}
