import ArgumentParser
import Foundation
import TugContainerd

/// `tug images`: the images in a node's containerd (the one `--start-containerd` runs, else the
/// system's), for loading images on a machine that reaches no registry.
struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List or import the container images of this node's containerd.",
        subcommands: [ImportImages.self, ListImages.self])
}

/// Where the node's containerd listens, from the same flags the agent takes.
struct ContainerdLocation: ParsableArguments {
    @Option(help: "The Tugboat data dir whose own containerd (--start-containerd) to use.") var dataDir: String?
    @Option(name: .customLong("container-runtime-endpoint"), help: "containerd's socket (unix:///…); overrides --data-dir.")
    var containerRuntimeEndpoint: String?

    /// The socket given, else the data dir's own containerd when it answers, else the system's.
    func ctr() throws -> CtrCommand {
        if let endpoint = containerRuntimeEndpoint { return CtrCommand(socketPath: endpoint) }
        let agentDirectory = (DataDirectory.resolve(dataDir) as NSString).appendingPathComponent("agent")
        let own = NodeRuntime.ownSocketPath(agentDirectory)
        if UnixSocketProbe.answers(at: own) { return CtrCommand(socketPath: own) }
        if UnixSocketProbe.answers(at: ContainerdConfig.defaultSocketPath) { return CtrCommand(socketPath: ContainerdConfig.defaultSocketPath) }
        throw ValidationError("no containerd answers at \(own) (a `tug server`/`tug agent` with --start-containerd on that data dir) "
            + "or at \(ContainerdConfig.defaultSocketPath); start one, or pass --container-runtime-endpoint")
    }
}

struct ImportImages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
        abstract: "Import an image archive (OCI layout or `docker save` tar) into the node's containerd.")

    @Argument(help: "The archive (FILE.tar).") var file: String
    @Option(help: "Name for the images of an OCI archive whose entries carry only a tag (NAME gives NAME:TAG).") var baseName: String?
    @OptionGroup var location: ContainerdLocation

    func run() async throws {
        let names = try await ImageImporter(ctr: try location.ctr()).importArchive(atPath: file, baseName: baseName)
        if names.isEmpty {
            print("imported \(file)")
        } else {
            for name in names { print("imported \(name)") }
        }
    }
}

struct ListImages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the images of the node's containerd.")

    @OptionGroup var location: ContainerdLocation

    func run() async throws {
        let images = try await ImageLister(ctr: try location.ctr()).list()
        let rows = [["IMAGE", "DIGEST", "SIZE", "PLATFORMS"]] + images.map { image in
            [image.name, String(image.digest.replacingOccurrences(of: "sha256:", with: "").prefix(13)), image.sizeText,
             image.platforms.joined(separator: ",")]
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }
            print(padded.joined())
        }
    }
}
