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
            splitter.Append(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)), lines.Add);
        }

        splitter.End(lines.Add);

        Assert.Equal(["seen: (\"round\", 1)", "{\"json\":true}", "", "naïve → ✓", "last without newline"], lines);
    }

    [Fact]
    public void A_stream_that_ends_with_its_newline_has_no_extra_empty_line()
    {
        var lines = new List<string>();
        var splitter = new LineSplitter();
        splitter.Append("a\nb\n"u8, lines.Add);
        splitter.End(lines.Add);

        Assert.Equal(["a", "b"], lines);
    }
}
