using Timely.Bench.Launch;

namespace Timely.Bench.Tests;

/// <summary>
/// The console of the launcher's process 0 hands on the lines its run writes, whatever the calls
/// that wrote them, as the relay cuts a child's pipe: whole lines, '\r' before '\n' dropped, empty
/// lines kept, and a last line without '\n' handed on at the end (and only then).
/// </summary>
public sealed class LineWriterTests
{
    [Fact]
    public void Lines_come_out_whole_whatever_the_calls_that_wrote_them()
    {
        var lines = new List<string>();
        var writer = new LineWriter(line => lines.Add(line.ToString()));

        writer.Write("12.5ms\tworker ");
        writer.Write('0');
        writer.WriteLine(" complete");
        char[] chars = "xx{\"json\":true}\r\n\nnaïve → ✓\nsecondxx".ToCharArray();
        writer.Write(chars, 2, chars.Length - 4);
        writer.Write(" half".AsSpan());
        writer.WriteLine();
        writer.WriteLine("formatted {0}", 7);
        writer.Write("last without newline");
        Assert.Equal(["12.5ms\tworker 0 complete", "{\"json\":true}", "", "naïve → ✓", "second half", "formatted 7"], lines);

        writer.End();
        Assert.Equal("last without newline", lines[^1]);
        Assert.Equal(7, lines.Count);
    }

    [Fact]
    public void Nothing_pending_at_the_end_hands_on_nothing()
    {
        var lines = new List<string>();
        var writer = new LineWriter(line => lines.Add(line.ToString()));
        writer.Write("a\nb\n");
        writer.End();
        Assert.Equal(["a", "b"], lines);
    }

    [Fact]
    public void Writing_lines_makes_no_string_once_its_buffer_is_grown()
    {
        int lines = 0;
        var writer = new LineWriter(line => lines += line.Length == 10 ? 1 : 1000);
        writer.WriteLine("0123456789".AsSpan());   // warm: the methods compiled
        Span<char> text = stackalloc char[10];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            "0123456789".AsSpan().CopyTo(text);
            writer.WriteLine(text);
            writer.Write("0123456789\n");
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2001, lines);
        Assert.Equal(0, allocated);
    }
}
