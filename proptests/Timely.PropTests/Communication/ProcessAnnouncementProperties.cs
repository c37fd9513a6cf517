using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;

namespace Timely.PropTests.Communication;

/// <summary>
/// The in-process allocator's receive, which looks only at the channels something was pushed to
/// (each push announces its channel to the receiver) instead of every channel's queues: under
/// any interleaving of pushes from several workers over many channels (a worker's pushes to
/// itself among them, which list their channel without an announcement), of receives and of
/// partial pulls, played one action at a time on one thread, each receive reports exactly the
/// allocated channels that hold messages for that worker, each message is pulled exactly once
/// and in per-sender order, and the idle look finds work exactly while one of them waits.
/// </summary>
public sealed class ProcessAnnouncementProperties
{
    /// <summary>One action: a push (sender, receiver, channel), a receive by a worker, or pulls of up to <c>Count</c> messages by a worker from a channel.</summary>
    public sealed record Act(char Kind, int Worker, int Target, int Channel, int Count)
    {
        public override string ToString() => Kind switch
        {
            'p' => $"push {Worker}->{Target} c{Channel}",
            'r' => $"receive {Worker}",
            _ => $"pull {Worker} c{Channel} x{Count}",
        };
    }

    /// <summary>Workers, channels, which (worker, channel) pairs (at <c>worker * Channels + channel</c>) are allocated only after the script's first half, and the actions.</summary>
    public sealed record Script(int Workers, int Channels, bool[] LateAllocation, Act[] Acts)
    {
        public override string ToString() =>
            $"{Workers} workers, {Channels} channels, late [{string.Join(",", LateAllocation.Select((l, i) => l ? $"{i / Channels}:c{i % Channels}" : null).Where(x => x is not null))}]: {string.Join("; ", Acts.Select(a => a.ToString()))}";
    }

    private static Gen<Script> ScriptGen() =>
        from workers in Gen.Choose(1, 4)
        from channels in Gen.Choose(1, 40)
        from late in Gen.ArrayOf(Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true))), workers * channels)
        from acts in Gen.Choose(1, 120).SelectMany(n => Gen.ArrayOf(ActGen(workers, channels), n))
        select new Script(workers, channels, late, acts);

    private static Gen<Act> ActGen(int workers, int channels) =>
        Gen.Frequency(
            (5, from s in Gen.Choose(0, workers - 1) from t in Gen.Choose(0, workers - 1) from c in Gen.Choose(0, channels - 1) select new Act('p', s, t, c, 0)),
            (2, from s in Gen.Choose(0, workers - 1) from c in Gen.Choose(0, channels - 1) select new Act('p', s, s, c, 0)),
            (2, Gen.Choose(0, workers - 1).Select(w => new Act('r', w, 0, 0, 0))),
            (3, from w in Gen.Choose(0, workers - 1) from c in Gen.Choose(0, channels - 1) from k in Gen.Elements(1, 2, 100) select new Act('l', w, 0, c, k)));

    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property A_receive_reports_exactly_the_channels_with_messages_and_each_message_arrives_once_in_order() =>
        Prop.ForAll(ScriptGen().ToArbitrary(), script =>
        {
            Play(script);
            return true;
        });

    private static void Play(Script script)
    {
        int n = script.Workers;
        using var group = new WorkerGroup(n);
        var fabric = new ProcessFabric(group);
        var allocators = new ProcessAllocator[n];
        var channels = new (IPush<long[]>[] Senders, IPull<long[]> Receiver)?[n, script.Channels];
        var sent = new long[n, n, script.Channels];       // [sender, receiver, channel]
        var pulled = new long[n, n, script.Channels];
        for (int w = 0; w < n; w++)
        {
            allocators[w] = new ProcessAllocator(fabric, w, spinIterations: 0);
        }

        void AllocateAll(bool late)
        {
            for (int w = 0; w < n; w++)
            {
                for (int c = 0; c < script.Channels; c++)
                {
                    if (script.LateAllocation[(w * script.Channels) + c] == late)
                    {
                        channels[w, c] = allocators[w].Allocate<long[]>(c);
                    }
                }
            }
        }

        // A worker that has not allocated a channel yet does not push on it (those pushes are
        // skipped); one that has may push to a worker that has not, whose receives report the
        // channel only once it allocates it.
        AllocateAll(late: false);
        for (int i = 0; i < script.Acts.Length; i++)
        {
            if (i == script.Acts.Length / 2)
            {
                AllocateAll(late: true);
            }

            var act = script.Acts[i];
            if (act.Kind == 'p')
            {
                if (channels[act.Worker, act.Channel] is not { } ch)
                {
                    continue;
                }

                long[]? message = [act.Worker, act.Channel, sent[act.Worker, act.Target, act.Channel]++];
                ch.Senders[act.Target].Push(ref message);
                ch.Senders[act.Target].Done();
            }
            else if (act.Kind == 'r')
            {
                var allocator = allocators[act.Worker];
                allocator.Events.Clear();
                allocator.Receive();
                var expected = Enumerable.Range(0, script.Channels).Where(c => channels[act.Worker, c] is not null && Pending(act.Worker, c) > 0).ToArray();
                var reported = allocator.Events.Order().ToArray();
                if (!reported.SequenceEqual(expected))
                {
                    throw new InvalidOperationException($"worker {act.Worker} at action {i}: events [{string.Join(",", reported)}] where channels [{string.Join(",", expected)}] hold messages");
                }
            }
            else if (channels[act.Worker, act.Channel] is { } ch)
            {
                for (int k = 0; k < act.Count; k++)
                {
                    ref long[]? slot = ref ch.Receiver.Pull();
                    if (slot is null)
                    {
                        break;
                    }

                    int s = (int)slot[0];
                    if (slot[1] != act.Channel || slot[2] != pulled[s, act.Worker, act.Channel]++)
                    {
                        throw new InvalidOperationException($"worker {act.Worker} channel {act.Channel}: message [{string.Join(",", slot)}] where [{s},{act.Channel},{pulled[s, act.Worker, act.Channel] - 1}] was next from {s}");
                    }
                }

                if (Pending(act.Worker, act.Channel) > 0 && act.Count == 100)
                {
                    throw new InvalidOperationException($"worker {act.Worker} channel {act.Channel}: {Pending(act.Worker, act.Channel)} messages left after pulling until empty");
                }
            }

            for (int w = 0; w < n; w++)
            {
                // The idle look may also see announcements no receive has taken yet; after a
                // receive it sees exactly the messages waiting on allocated channels.
                bool waiting = Enumerable.Range(0, script.Channels).Any(c => channels[w, c] is not null && Pending(w, c) > 0);
                if (waiting && !allocators[w].HasWork)
                {
                    throw new InvalidOperationException($"worker {w} at action {i}: the idle look finds nothing with messages waiting");
                }
            }
        }

        for (int w = 0; w < n; w++)
        {
            allocators[w].Receive();
            if (!Enumerable.Range(0, script.Channels).Any(c => Pending(w, c) > 0) && allocators[w].HasWork)
            {
                throw new InvalidOperationException($"worker {w}: the idle look finds work after a receive with nothing waiting");
            }
        }

        long Pending(int receiver, int channel)
        {
            long pending = 0;
            for (int s = 0; s < n; s++)
            {
                pending += sent[s, receiver, channel] - pulled[s, receiver, channel];
            }

            return pending;
        }
    }
}
