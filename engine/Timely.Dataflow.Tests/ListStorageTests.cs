using Timely.Dataflow.Channels;

namespace Timely.Dataflow.Tests;

public sealed class ListStorageTests
{
    [Fact]
    public void Reserve_returns_the_backing_array_and_commit_publishes_what_was_written()
    {
        var list = new List<string>(2) { "a" };
        var items = ListStorage<string>.Reserve(list, 8);
        Assert.True(items.Length >= 8);
        Assert.Single(list);
        Assert.Equal("a", items[0]); // the same storage: the existing record is there

        items[1] = "b";
        items[2] = "c";
        ListStorage<string>.Commit(list, 3);
        Assert.Equal(["a", "b", "c"], list);
        Assert.Same(items, ListStorage<string>.Reserve(list, 8)); // no growth when it fits
    }

    [Fact]
    public void Commit_to_a_smaller_count_drops_the_tail_like_RemoveRange()
    {
        var list = new List<string> { "a", "b", "c" };
        var items = ListStorage<string>.Reserve(list, 3);
        ListStorage<string>.Commit(list, 1);
        Assert.Equal(["a"], list);
        Assert.Null(items[1]); // references past the count are cleared for the GC
    }
}
