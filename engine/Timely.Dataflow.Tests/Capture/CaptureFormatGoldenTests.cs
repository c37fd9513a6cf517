using Timely.Dataflow.Capture;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>The Rust timely 0.29 captures in Capture/Golden/basic, read and rewritten byte for byte.</summary>
public class CaptureFormatGoldenTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string path in GoldenFiles.BinFiles())
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Fact]
    public void Golden_directory_holds_every_case()
    {
        Assert.Equal(
            ["empty.w1.0.bin", "strings.w1.0.bin", "u64s.w1.0.bin", "u64s.w2.0.bin", "u64s.w2.1.bin"],
            GoldenFiles.BinFiles().Select(Path.GetFileName));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_back_the_events_rust_printed(string name)
    {
        string path = Path.Combine(GoldenFiles.Directory, name);
        Assert.Equal(GoldenFiles.ExpectedLines(path), ReadLines(path));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Rewriting_the_events_gives_identical_bytes(string name)
    {
        string path = Path.Combine(GoldenFiles.Directory, name);
        byte[] expected = File.ReadAllBytes(path);
        byte[] actual = name.StartsWith("strings", StringComparison.Ordinal)
            ? Rewrite<string>(expected)
            : Rewrite<ulong>(expected);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
    }

    [Fact]
    public void First_record_of_u64s_matches_the_readme_bytes()
    {
        var stream = new MemoryStream();
        using (var writer = new EventWriter<ulong, ulong>(stream, leaveOpen: true))
        {
            writer.Push(new Event<ulong, ulong>.Progress([(0, -1)]));
        }

        Assert.Equal("1c00000000000000" + "00000000" + "0100000000000000" + "0000000000000000" + "ffffffffffffffff",
            Convert.ToHexString(stream.ToArray()).ToLowerInvariant());
    }

    internal static List<string> ReadLines(string path)
    {
        using var stream = File.OpenRead(path);
        return path.Contains("strings", StringComparison.Ordinal)
            ? ReadAll<string>(stream).ConvertAll(e => e.ToString())
            : ReadAll<ulong>(stream).ConvertAll(e => e.ToString());
    }

    internal static List<Event<ulong, TData>> ReadAll<TData>(Stream stream) => ReadAll<ulong, TData>(stream);

    /// <summary>Every event of <paramref name="stream"/>, asserting that no partial record is left over.</summary>
    internal static List<Event<T, TData>> ReadAll<T, TData>(Stream stream)
    {
        using var reader = new EventReader<T, TData>(stream, leaveOpen: true);
        var events = new List<Event<T, TData>>();
        while (reader.TryNext(out var e))
        {
            events.Add(e);
        }

        Assert.Equal(0, reader.Buffered);
        return events;
    }

    private static byte[] Rewrite<TData>(byte[] bytes) => Rewrite<ulong, TData>(bytes);

    /// <summary>The events of <paramref name="bytes"/> read and written again with our EventWriter.</summary>
    internal static byte[] Rewrite<T, TData>(byte[] bytes)
    {
        var events = ReadAll<T, TData>(new MemoryStream(bytes));
        var output = new MemoryStream();
        using (var writer = new EventWriter<T, TData>(output, leaveOpen: true))
        {
            foreach (var e in events)
            {
                writer.Push(e);
            }
        }

        return output.ToArray();
    }
}
