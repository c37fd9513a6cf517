using System.Reflection;
using System.Xml.Linq;
using Timely.Testing;

namespace Timely.Api.Tests;

/// <summary>
/// The layers are projects, and this is the one place that says which may use which. The arrows
/// point down only: Timely.Bytes and Timely.Logging at the bottom, the two transports on bytes,
/// the communication layer on both transports, the dataflow core on communication, timely's
/// examples, the hosting package, the workload API, the micro-benchmarks and the records sample on
/// the dataflow core, and the `timely` command, the sample service and the workload template on top. The codec generator runs in the
/// compiler: projects take it as an analyzer, which is no reference to its assembly. A new
/// project, or a reference not listed
/// here, fails the test until this table says it is meant.
/// </summary>
public sealed class ProjectGraphTests
{
    /// <summary>Each library and tool, and the projects it may reference (exactly these).</summary>
    private static readonly Dictionary<string, string[]> Libraries = new()
    {
        ["Timely.Bytes"] = [],
        ["Timely.Bytes.Generator"] = [],   // the codec generator: runs in the compiler, ships inside Timely.Bytes
        ["Timely.Logging"] = [],
        ["Timely.Transport.Shm"] = ["Timely.Bytes"],
        ["Timely.Transport.Tcp"] = ["Timely.Bytes"],
        ["Timely.Communication"] = ["Timely.Bytes", "Timely.Logging", "Timely.Transport.Shm", "Timely.Transport.Tcp"],
        ["Timely.Dataflow"] = ["Timely.Bytes", "Timely.Communication", "Timely.Logging"],
        ["Timely.Examples"] = ["Timely.Dataflow"],
        ["Timely.Hosting"] = ["Timely.Communication", "Timely.Dataflow"],
        ["Timely.Hosting.Sample"] = ["Timely.Hosting"],
        ["Timely.Workloads"] = ["Timely.Dataflow"],
        ["Timely.Bench"] = ["Timely.Dataflow", "Timely.Examples", "Timely.Workloads"],
        ["MyBenchmarks"] = ["Timely.Dataflow", "Timely.Workloads"],   // the template of a user's benchmarks
        ["Timely.Bench.TestWorkloads"] = ["Timely.Dataflow", "Timely.Workloads"],   // workloads the suite's tests run
        ["Timely.Benchmarks"] = ["Timely.Dataflow"],
        ["Timely.Samples.Records"] = ["Timely.Dataflow"],
        ["Timely.Testing"] = [],
        ["Timely.Testing.Host"] = [],
    };

    /// <summary>The layer of each shipped library, bottom = 0: a project references only lower layers.</summary>
    private static readonly Dictionary<string, int> Layer = new()
    {
        ["Timely.Bytes"] = 0,
        ["Timely.Bytes.Generator"] = 0,
        ["Timely.Logging"] = 0,
        ["Timely.Transport.Shm"] = 1,
        ["Timely.Transport.Tcp"] = 1,
        ["Timely.Communication"] = 2,
        ["Timely.Dataflow"] = 3,
        ["Timely.Examples"] = 4,
        ["Timely.Hosting"] = 4,
        ["Timely.Workloads"] = 4,
        ["MyBenchmarks"] = 5,
        ["Timely.Bench.TestWorkloads"] = 5,
        ["Timely.Hosting.Sample"] = 5,
        ["Timely.Bench"] = 5,
        ["Timely.Benchmarks"] = 4,
        ["Timely.Samples.Records"] = 4,
    };

    public static TheoryData<string> ProjectNames() => new(Projects().Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ProjectNames))]
    public void Each_project_references_only_what_the_table_allows(string project)
    {
        var (path, references, isTest) = Projects()[project];
        if (isTest)
        {
            // A test project may use any library and the test support, never another test project.
            Assert.All(references, r => Assert.False(Projects()[r].IsTest, $"{path} references test project {r}"));
            return;
        }

        Assert.True(Libraries.ContainsKey(project), $"{path} is a new library or tool: add it and its allowed references to {nameof(ProjectGraphTests)}.{nameof(Libraries)}");
        Assert.Equal(Libraries[project].Order(StringComparer.Ordinal), references.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_allowed_references_point_down_the_layers()
    {
        foreach (var (project, allowed) in Libraries.Where(l => Layer.ContainsKey(l.Key)))
        {
            Assert.All(allowed, a => Assert.True(Layer[a] < Layer[project], $"{project} (layer {Layer[project]}) may not reference {a} (layer {Layer[a]})"));
        }
    }

    [Fact]
    public void No_library_opens_its_internals_to_another_library()
    {
        var projects = Projects();
        foreach (var (project, (path, _, isTest)) in projects)
        {
            if (isTest)
            {
                continue;
            }

            var friends = XDocument.Load(path).Descendants("InternalsVisibleTo").Select(e => (string)e.Attribute("Include")!);
            Assert.All(friends, f => Assert.True(
                (projects.TryGetValue(f, out var friend) && friend.IsTest) || f is "Timely.Benchmarks",
                $"{path} opens its internals to {f}: only test projects and the micro-benchmarks may see internals, or the compiler no longer keeps the layers apart"));
        }
    }

    [Fact]
    public void The_built_assemblies_reference_the_same_graph()
    {
        // What the compiler linked, not only what the project files say.
        Assembly[] shipped = [typeof(Timely.Bytes.MessageHeader).Assembly, typeof(Timely.Logging.LogRegistry).Assembly,
            typeof(Timely.Transport.Shm.Ring.SpscByteRing).Assembly, typeof(Timely.Transport.Tcp.FrameWriter).Assembly,
            typeof(Timely.Communication.Config).Assembly, typeof(Timely.Dataflow.Worker).Assembly, typeof(Timely.Hosting.TimelyOptions).Assembly,
            typeof(Timely.Workloads.WorkloadAttribute).Assembly];
        foreach (var assembly in shipped)
        {
            string name = assembly.GetName().Name!;
            var timely = assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Timely.", StringComparison.Ordinal));
            Assert.All(timely, t => Assert.Contains(t, Libraries[name]));
        }
    }

    [Fact]
    public void Every_project_of_the_repository_is_in_the_solution()
    {
        string solution = File.ReadAllText(Repository.PathOf("Timely.Native.sln"));
        foreach (var (_, (path, _, _)) in Projects())
        {
            string relative = Path.GetRelativePath(Repository.Root, path).Replace('/', '\\');
            Assert.Contains(relative, solution, StringComparison.Ordinal);
        }
    }

    /// <summary>Every project file under the repository's fixed top-level folders, by project name.</summary>
    private static Dictionary<string, (string Path, string[] References, bool IsTest)> Projects()
    {
        var projects = new Dictionary<string, (string, string[], bool)>();
        foreach (string top in new[] { "engine", "transport-shm", "transport-tcp", "bench", "proptests", "samples" })
        {
            foreach (string path in Directory.EnumerateFiles(Repository.PathOf(top), "*.csproj", SearchOption.AllDirectories))
            {
                if (path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ||
                    path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }

                var xml = XDocument.Load(path);
                var references = xml.Descendants("ProjectReference")
                    .Where(r => (string?)r.Attribute("ReferenceOutputAssembly") != "false")   // build-order only
                    .Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!))
                    .ToArray();
                bool isTest = xml.Descendants("IsTestProject").Any(e => e.Value == "true");
                projects.Add(Path.GetFileNameWithoutExtension(path), (path, references, isTest));
            }
        }

        return projects;
    }
}
