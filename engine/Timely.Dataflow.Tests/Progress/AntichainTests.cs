using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Tests.Progress;

public sealed class AntichainTests
{
    [Fact]
    public void Insert_keeps_only_minimal_elements_of_a_total_order()
    {
        var a = new Antichain<ulong>();
        Assert.True(a.Insert(5));
        Assert.False(a.Insert(7));
        Assert.True(a.Insert(3));
        Assert.Equal(new ulong[] { 3 }, a.Elements.ToArray());
        Assert.True(a.LessEqual(3));
        Assert.False(a.LessThan(3));
        Assert.True(a.LessThan(4));
        Assert.False(a.LessEqual(2));
    }

    [Fact]
    public void Mutable_antichain_reports_frontier_changes()
    {
        var m = new MutableAntichain<ulong>();
        Assert.Equal(new[] { (4UL, 1L) }, m.Update(4, 2).ToArray().Order());
        Assert.Empty(m.Update(6, 1).ToArray().Order());
        Assert.Equal(new[] { (2UL, 1L), (4UL, -1L) }, m.Update(2, 1).ToArray().Order());
        Assert.Equal(new[] { (2UL, -1L), (4UL, 1L) }, m.Update(2, -1).ToArray().Order());
        Assert.Empty(m.Update(4, -1).ToArray().Order());
        Assert.Equal(new[] { (4UL, -1L), (6UL, 1L) }, m.Update(4, -1).ToArray().Order());
        Assert.Equal(new[] { (6UL, -1L) }, m.Update(6, -1).ToArray().Order());
        Assert.True(m.IsEmpty);
    }

    [Fact]
    public void Negative_counts_never_enter_the_frontier()
    {
        var m = new MutableAntichain<ulong>();
        Assert.Empty(m.Update(3, -1).ToArray().Order());
        Assert.True(m.IsEmpty);
        Assert.Equal(new[] { (5UL, 1L) }, m.UpdateIter(new[] { (3UL, 1L), (5UL, 1L) }).ToArray().Order());
        Assert.Equal(0, m.CountFor(3));
        Assert.Equal(1, m.CountFor(5));
    }
}
