using System.Reflection;
using PublicApiGenerator;
using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Logging;
using Timely.Testing;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.Api.Tests;

/// <summary>
/// The public API of each package is deliberate: PublicApiGenerator prints an assembly's public
/// surface as C# declarations, and this test compares it with the snapshot committed beside it
/// (<c>Snapshots/&lt;Assembly&gt;.api.txt</c>). A change to the API is then a change to
/// that file, seen in review. To accept a change, run the test with
/// <c>TIMELY_UPDATE_API_SNAPSHOTS=1</c>, which rewrites the snapshots, and commit them.
/// </summary>
public sealed class PublicApiSnapshotTests
{
    /// <summary>The environment variable that makes the test write the snapshots instead of checking them.</summary>
    public const string UpdateVariable = "TIMELY_UPDATE_API_SNAPSHOTS";

    private static readonly Dictionary<string, Assembly> Packages = new()
    {
        ["Timely.Bytes"] = typeof(MessageHeader).Assembly,
        ["Timely.Transport.Shm"] = typeof(SpscByteRing).Assembly,
        ["Timely.Transport.Tcp"] = typeof(FrameWriter).Assembly,
        ["Timely.Logging"] = typeof(LogRegistry).Assembly,
        ["Timely.Communication"] = typeof(Config).Assembly,
        ["Timely.Dataflow"] = typeof(Worker).Assembly,
        ["Timely.Hosting"] = typeof(Timely.Hosting.TimelyOptions).Assembly,
        ["Timely.Workloads"] = typeof(Timely.Workloads.WorkloadAttribute).Assembly,
    };

    public static TheoryData<string> PackageNames() => new(Packages.Keys);

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void Public_api_matches_the_committed_snapshot(string package)
    {
        Assembly assembly = Packages[package];
        Assert.Equal(package, assembly.GetName().Name);
        string actual = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Assembly attributes carry the version, commit and repository URL: not API.
            IncludeAssemblyAttributes = false,
        }));
        string path = Path.Combine(SnapshotDirectory(), $"{package}.api.txt");

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"no API snapshot {path}: run the tests with {UpdateVariable}=1 to write it, then commit it.");
        string expected = Normalize(File.ReadAllText(path));
        if (expected != actual)
        {
            Assert.Fail(
                $"The public API of {package} differs from {path} (- snapshot, + now). If the change is meant, " +
                $"rerun with {UpdateVariable}=1 and commit the snapshot.\n{LineDiff.Describe(expected, actual)}");
        }
    }

    [Fact]
    public void The_snapshot_lists_public_types_and_leaves_internal_ones_out()
    {
        string api = typeof(MessageHeader).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false });
        Assert.Contains("public readonly struct MessageHeader", api, StringComparison.Ordinal);
        Assert.DoesNotContain("class ThrowHelper", api, StringComparison.Ordinal);   // internal
    }

    [Fact]
    public void The_diff_names_removed_and_added_lines_with_their_line_numbers()
    {
        string diff = LineDiff.Describe("a\nb\nc\nd", "a\nc\nd\ne");
        Assert.Equal("  2 - b\n  4 + e", diff);
        Assert.Equal("  2 - b\n  2 + B", LineDiff.Describe("a\nb\nc", "a\nB\nc"));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n";

    /// <summary>Where the snapshots are committed.</summary>
    private static string SnapshotDirectory() => Repository.PathOf("engine/Timely.Api.Tests/Snapshots");
}

/// <summary>A line diff for failure messages: the lines of a longest common subsequence are kept, the rest shown.</summary>
internal static class LineDiff
{
    /// <summary>One line per removed (<c>-</c>, numbered in <paramref name="before"/>) or added (<c>+</c>, numbered in <paramref name="after"/>) line, in order.</summary>
    public static string Describe(string before, string after)
    {
        string[] a = before.Split('\n');
        string[] b = after.Split('\n');
        // lcs[i, j] = length of a longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add($"{x + 1,3} - {a[x]}");   // a removed line before the line that replaced it
                x++;
            }
            else
            {
                lines.Add($"{y + 1,3} + {b[y]}");
                y++;
            }
        }

        return string.Join('\n', lines);
    }
}
