using System.Text;
using Timely.Bench.Launch;

namespace Timely.Bench.Tests;

/// <summary>
/// The launcher's relay cuts a child's output, read in chunks, into the lines the child wrote:
/// whatever the chunk boundaries, a line and a character split across reads come out whole, a
/// '\r' before '\n' is dropped, and a last line without '\n' is kept.
/// </summary>
public sealed class LineSplitterTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Lines_come_out_whole_whatever_the_chunks(int chunk)
    {
        byte[] bytes = Encoding.UTF8.GetBytes("seen: (\"round\", 1)\r\n{\"json\":true}\n\nnaïve → ✓\nlast without newline");
        var lines = new List<string>();
        var splitter = new LineSplitter();
        for (int at = 0; at < bytes.Length; at += chunk)
        {
            splitter.Append(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)), line => lines.Add(line.ToString()));
        }

        splitter.End(line => lines.Add(line.ToString()));

        Assert.Equal(["seen: (\"round\", 1)", "{\"json\":true}", "", "naïve → ✓", "last without newline"], lines);
    }

    [Fact]
    public void A_stream_that_ends_with_its_newline_has_no_extra_empty_line()
    {
        var lines = new List<string>();
        var splitter = new LineSplitter();
        splitter.Append("a\nb\n"u8, line => lines.Add(line.ToString()));
        splitter.End(line => lines.Add(line.ToString()));

        Assert.Equal(["a", "b"], lines);
    }

    [Fact]
    public void Cutting_lines_makes_no_string_once_its_buffers_are_grown()
    {
        // The launcher relays every line of every process through here: a string a line was
        // process 0's gen0 collections in a launched flow_controlled.
        byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => $"@ {i}: ({i}, {i})\r\n")));
        var splitter = new LineSplitter();
        int lines = 0;
        int chars = 0;
        LineAction count = line =>
        {
            lines++;
            chars += line.Length;
        };
        splitter.Append(bytes.AsSpan(0, 64), count);   // warm: the method compiled, the buffers grown
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int at = 64; at < bytes.Length; at += 100)
        {
            splitter.Append(bytes.AsSpan(at, Math.Min(100, bytes.Length - at)), count);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000, lines);
        Assert.Equal(bytes.Length - (2 * 1000), chars);   // "\r\n" dropped from each
        Assert.Equal(0, allocated);
    }
}
