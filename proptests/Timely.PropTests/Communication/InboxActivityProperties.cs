using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using TimelyConfig = Timely.Communication.Config;

namespace Timely.PropTests.Communication;

/// <summary>
/// The bytes allocator's bookkeeping of its inboxes, which replaced a pass over every channel
/// on each receive and each idle look: after any mix of pushes, receives and pulls over any
/// number of channels, a receive records exactly the channels it decoded messages for (each
/// once, none that only had older messages waiting), and the idle look finds work exactly
/// while some decoded message waits to be pulled.
/// </summary>
public sealed class InboxActivityProperties
{
    /// <summary>One step: the channels (by index) pushed to, in order, then how many messages to pull from each channel.</summary>
    public sealed record Step(int[] Pushes, int[] Pulls);

    /// <summary>Channel ids (small ones and one whose compact record escapes the id), and the steps.</summary>
    public sealed record Script(int[] Channels, Step[] Steps)
    {
        public override string ToString() =>
            $"channels [{string.Join(",", Channels)}]; steps {string.Join(" ", Steps.Select(s => $"push[{string.Join(",", s.Pushes)}]/pull[{string.Join(",", s.Pulls)}]"))}";
    }

    private static readonly int[] Ids = [0, 1, 2, 7, 40, 0x100_0000];

    private static Gen<Script> ScriptGen() =>
        from count in Gen.Choose(1, Ids.Length)
        from steps in Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(
            from pushes in Gen.Frequency((1, Gen.Constant(Array.Empty<int>())), (4, Gen.Choose(1, 30).SelectMany(k => Gen.ArrayOf(Gen.Choose(0, count - 1), k))))
            from pulls in Gen.ArrayOf(Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Choose(1, 3)), (1, Gen.Constant(1000))), count)
            select new Step(pushes, pulls), n))
        select new Script(Ids[..count], steps);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property A_receive_records_the_channels_it_decoded_for_and_the_idle_look_sees_what_waits() =>
        Prop.ForAll(ScriptGen().ToArbitrary(), script =>
        {
            using var guards = Workers.Initialize(TimelyConfig.ProcessBinary(1), allocator => Run((BinaryAllocator)allocator, script));
            var result = guards.Join()[0];
            return result.IsOk ? result.Value : throw new InvalidOperationException($"under {script}", result.Error);
        });

    private static bool Run(BinaryAllocator allocator, Script script)
    {
        var channels = script.Channels.Select(id => allocator.Allocate<long[]>(id)).ToArray();
        var pushed = new long[channels.Length];
        var pulled = new long[channels.Length];
        foreach (var step in script.Steps)
        {
            foreach (int c in step.Pushes)
            {
                long[]? message = [c, pushed[c]++];
                channels[c].Senders[0].Push(ref message);
            }

            foreach (var (senders, _) in channels)
            {
                senders[0].Done();
            }

            allocator.Events.Clear();
            allocator.Receive();
            var expected = step.Pushes.Distinct().Select(c => script.Channels[c]).Order().ToArray();
            if (!allocator.Events.Order().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"events [{string.Join(",", allocator.Events)}] after pushes to [{string.Join(",", expected)}]");
            }

            for (int c = 0; c < channels.Length; c++)
            {
                for (int k = 0; k < step.Pulls[c]; k++)
                {
                    ref long[]? slot = ref channels[c].Receiver.Pull();
                    if (slot is null)
                    {
                        break;
                    }

                    if (slot[0] != c || slot[1] != pulled[c]++)
                    {
                        throw new InvalidOperationException($"channel {script.Channels[c]}: message [{slot[0]},{slot[1]}] where [{c},{pulled[c] - 1}] was next");
                    }
                }
            }

            bool waiting = pushed.Zip(pulled).Any(p => p.First != p.Second);
            if (allocator.HasWork != waiting)
            {
                throw new InvalidOperationException($"the idle look says {(allocator.HasWork ? "work" : "none")} with {pushed.Sum() - pulled.Sum()} messages decoded and not pulled");
            }
        }

        return true;
    }

    /// <summary>
    /// The activity record alone against a model, over inboxes touched at most once between two
    /// takes (the inboxes' rule): a take returns the first inbox touched since the last take (none
    /// when none was, whichever it returned before) and the later ones in order, whether the first
    /// is the one taken last time or another.
    /// </summary>
    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property A_take_returns_the_inboxes_touched_since_the_last_in_order() =>
        Prop.ForAll(Gen.Choose(0, 3).ArrayOf().ArrayOf().ToArbitrary(), rounds =>
        {
            var activity = new Timely.Communication.Binary.InboxActivity();
            var inboxes = Enumerable.Range(0, 4)
                .Select(c => new Timely.Communication.Binary.BinaryInbox<byte[]>(Timely.Bytes.ByteArrayCodec.Instance, c, 1, new Timely.Communication.Diagnostics.WorkerCounters(0), activity))
                .ToArray();
            foreach (int[] touches in rounds)
            {
                int[] once = [.. touches.Distinct()];
                foreach (int i in once)
                {
                    activity.Touch(inboxes[i]);
                }

                var first = activity.Take(out var more);
                int[] taken = first is null ? [] : [first.Channel, .. more.Select(b => b.Channel)];
                more.Clear();
                if (!taken.SequenceEqual(once))
                {
                    return false.Label($"touched [{string.Join(",", once)}], took [{string.Join(",", taken)}]");
                }
            }

            return true.ToProperty();
        });
}
