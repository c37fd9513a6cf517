using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Tests.Progress;

public sealed class ChangeBatchTests
{
    [Fact]
    public void Compacted_merges_equal_items_and_drops_zeros()
    {
        var batch = new ChangeBatch<ulong>();
        batch.Update(5, 3);
        batch.Update(2, 1);
        batch.Update(5, -3);
        batch.Update(2, 4);
        batch.Update(7, 0);
        Assert.Equal(new[] { (2UL, 5L) }, batch.Compacted().ToArray());
        Assert.False(batch.IsEmpty);
        batch.Update(2, -5);
        Assert.True(batch.IsEmpty);
    }

    [Fact]
    public void Many_updates_to_few_items_stay_bounded()
    {
        var batch = new ChangeBatch<ulong>();
        for (int i = 0; i < 10_000; i++)
        {
            batch.Update((ulong)(i % 3), 1);
        }

        var compacted = batch.Compacted().ToArray();
        Assert.Equal(new[] { (0UL, 3334L), (1UL, 3333L), (2UL, 3333L) }, compacted);
    }

    [Fact]
    public void DrainInto_moves_everything_and_empties_source()
    {
        var a = new ChangeBatch<ulong>();
        var b = new ChangeBatch<ulong>();
        a.Update(1, 2);
        a.Update(3, -1);
        b.Update(1, 1);
        a.DrainInto(b);
        Assert.True(a.IsEmpty);
        Assert.Equal(new[] { (1UL, 3L), (3UL, -1L) }, b.Compacted().ToArray());

        var c = new ChangeBatch<ulong>();
        b.DrainInto(c);
        Assert.True(b.IsEmpty);
        Assert.Equal(new[] { (1UL, 3L), (3UL, -1L) }, c.Compacted().ToArray());
    }
}
