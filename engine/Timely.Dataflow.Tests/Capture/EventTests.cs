using Timely.Dataflow.Capture;

namespace Timely.Dataflow.Tests.Capture;

public class EventTests
{
    [Fact]
    public void ToString_matches_rust_debug()
    {
        Assert.Equal("Messages(0, [0, 1, 2])", new Event<ulong, ulong>.Messages(0, [0, 1, 2]).ToString());
        Assert.Equal("Progress([(0, -1)])", new Event<ulong, ulong>.Progress([(0, -1)]).ToString());
        Assert.Equal("Progress([(0, -1), (1, 1)])", new Event<ulong, ulong>.Progress([(0, -1), (1, 1)]).ToString());
        Assert.Equal("Progress([])", new Event<ulong, ulong>.Progress([]).ToString());
        Assert.Equal("Messages(3, [\"hello, 0\", \"a\\\"b\\\\c\\n\"])", new Event<ulong, string>.Messages(3, ["hello, 0", "a\"b\\c\n"]).ToString());
        Assert.Equal("Messages(1, [(2, \"x\"), (3, \"é😀\")])", new Event<ulong, (long, string)>.Messages(1, [(2, "x"), (3, "é😀")]).ToString());
        Assert.Equal("Messages(0, [1.0, 0.5, true])", new Event<ulong, object>.Messages(0, [1.0, 0.5, true]).ToString());
    }

    [Fact]
    public void Equality_is_structural()
    {
        Assert.Equal<Event<ulong, string>>(new Event<ulong, string>.Messages(1, ["a"]), new Event<ulong, string>.Messages(1, ["a"]));
        Assert.NotEqual<Event<ulong, string>>(new Event<ulong, string>.Messages(1, ["a"]), new Event<ulong, string>.Messages(2, ["a"]));
        Assert.NotEqual<Event<ulong, string>>(new Event<ulong, string>.Messages(1, ["a"]), new Event<ulong, string>.Messages(1, ["b"]));
        Assert.Equal<Event<ulong, string>>(new Event<ulong, string>.Progress([(0, -1)]), new Event<ulong, string>.Progress([(0, -1)]));
        Assert.NotEqual<Event<ulong, string>>(new Event<ulong, string>.Progress([(0, -1)]), new Event<ulong, string>.Progress([(0, 1)]));
        Assert.NotEqual<Event<ulong, string>>(new Event<ulong, string>.Progress([]), new Event<ulong, string>.Messages(0, []));
        Assert.Equal(
            new Event<ulong, string>.Messages(1, ["a"]).GetHashCode(),
            new Event<ulong, string>.Messages(1, ["a"]).GetHashCode());
    }
}
