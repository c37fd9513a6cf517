using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.Tests;

/// <summary>
/// The bytes allocator's record of the inboxes touched between two receives keeps the last first
/// inbox after a take (so the common hop stores no reference): a take still returns only what
/// was touched since the last, and the kept inbox is let go when its channel is deallocated.
/// </summary>
public sealed class InboxActivityTests
{
    [Fact]
    public void A_take_returns_nothing_when_nothing_was_touched_since_the_last_though_it_keeps_the_inbox()
    {
        var activity = new InboxActivity();
        var a = NewInbox(1, activity);
        var b = NewInbox(2, activity);

        activity.Touch(a);
        Assert.Same(a, activity.Take(out var more));
        Assert.Empty(more);
        Assert.Null(activity.Take(out _));

        activity.Touch(a);   // the same inbox again: still taken once
        Assert.Same(a, activity.Take(out _));
        activity.Touch(b);   // another first inbox
        activity.Touch(a);
        Assert.Same(b, activity.Take(out more));
        Assert.Same(a, Assert.Single(more));
    }

    [Fact]
    public void A_kept_inbox_is_let_go_when_its_channel_is_deallocated()
    {
        var activity = new InboxActivity();
        WeakReference kept = TouchAndTake(activity);
        Collect();
        Assert.True(kept.IsAlive);   // kept after the take, for the next receive on its channel

        Forget(activity, kept);
        Collect();
        Assert.False(kept.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference TouchAndTake(InboxActivity activity)
    {
        var inbox = NewInbox(3, activity);
        activity.Touch(inbox);
        Assert.Same(inbox, activity.Take(out _));
        return new WeakReference(inbox);
    }

    // In a method of its own, so that no reference to the inbox outlives it in the test's frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Forget(InboxActivity activity, WeakReference kept) => activity.Forget((BinaryInbox)kept.Target!);

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static BinaryInbox<byte[]> NewInbox(int channel, InboxActivity activity) =>
        new(ByteArrayCodec.Instance, channel, 1, new WorkerCounters(0), activity);
}
