using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;

namespace Timely.Dataflow.Tests;

public sealed class CapabilityTests
{
    private static (Capability<ulong> Cap, ChangeBatch<ulong> Counts) Minted(ulong time)
    {
        var counts = new ChangeBatch<ulong>();
        counts.Update(time, 1);
        var owner = new OperatorCore<ulong>(0, "Minted", ActivationSet.ForRoot(ActivationSet.ForDataflows(), 0));
        return (new Capability<ulong>(owner, 0, counts, time), counts);
    }

    [Fact]
    public void Clone_delay_downgrade_and_drop_update_counts()
    {
        var (cap, counts) = Minted(2);
        var clone = cap.Clone();
        Assert.Equal(new[] { (2UL, 2L) }, counts.Compacted().ToArray());

        var later = cap.Delayed(5);
        Assert.Equal(5UL, later.Time);
        Assert.Equal(new[] { (2UL, 2L), (5UL, 1L) }, counts.Compacted().ToArray());

        clone.Downgrade(4);
        Assert.Equal(new[] { (2UL, 1L), (4UL, 1L), (5UL, 1L) }, counts.Compacted().ToArray());

        cap.Dispose();
        cap.Dispose(); // a second drop changes nothing
        later.Dispose();
        Assert.Equal(new[] { (4UL, 1L) }, counts.Compacted().ToArray());
        Assert.True(cap.IsDropped);
        Assert.False(clone.IsDropped);
    }

    [Fact]
    public void Capabilities_never_move_back_in_time()
    {
        var (cap, counts) = Minted(3);
        Assert.Throws<InvalidOperationException>(() => cap.Delayed(2));
        Assert.Throws<InvalidOperationException>(() => cap.Downgrade(1));
        Assert.Equal(new[] { (3UL, 1L) }, counts.Compacted().ToArray());
        cap.Dispose();
        Assert.Throws<InvalidOperationException>(() => cap.Clone());
    }
}
