namespace Timely.Dataflow.Tests.Capture;

/// <summary>Finds ../shared/golden/capture (the Rust timely captures) from the test assembly.</summary>
internal static class GoldenFiles
{
    public static string Directory { get; } = Locate();

    public static IEnumerable<string> BinFiles() => System.IO.Directory.GetFiles(Directory, "*.bin").Order(StringComparer.Ordinal);

    public static string[] ExpectedLines(string bin) =>
        File.ReadAllLines(Path.ChangeExtension(bin, null) + ".events.txt");

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "golden", "capture");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"shared/golden/capture not found above {AppContext.BaseDirectory}");
    }
}
