namespace Timely.Dataflow.Tests.Capture;

/// <summary>
/// The captures written by Rust timely 0.29 with u64 times (<c>Capture/Golden/basic</c>, copied
/// beside the test assembly; its README says how they were made).
/// </summary>
internal static class GoldenFiles
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Capture", "Golden", "basic");

    public static IEnumerable<string> BinFiles() => System.IO.Directory.GetFiles(Directory, "*.bin").Order(StringComparer.Ordinal);

    public static string[] ExpectedLines(string bin) =>
        File.ReadAllLines(Path.ChangeExtension(bin, null) + ".events.txt");
}
