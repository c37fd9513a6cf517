using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;

namespace Timely.PropTests.Communication;

/// <summary>
/// The in-process allocator's hand-back, against a model of its return queues: under any
/// interleaving of pushes between 1-4 workers (to themselves too) and of pulls, played one action
/// at a time on one thread, a push hands back through its slot exactly the oldest instance its
/// target returned, and gives the sender's recycler exactly the others waiting, in the order they
/// came back (none when the channel has no recycler: the queue keeps them). Each sender reuses
/// as a dataflow's exchange does: the next instance for a target is what the slot gave, else one
/// from its recycler, else a new one. No instance is lost or held twice: each one a sender made is
/// in its hands, in its recycler, in flight, at a receiver or on its way back.
/// </summary>
public sealed class ProcessReturnProperties
{
    /// <summary>One action: a push from <c>Worker</c> to <c>Target</c>, or up to <c>Count</c> pulls by <c>Worker</c>.</summary>
    public sealed record Act(bool Push, int Worker, int Target, int Count)
    {
        public override string ToString() => Push ? $"push {Worker}->{Target}" : $"pull {Worker} x{Count}";
    }

    /// <summary>Workers, whether the channel has a recycler, and the actions.</summary>
    public sealed record Script(int Workers, bool Recycler, Act[] Acts)
    {
        public override string ToString() => $"{Workers} workers, recycler {Recycler}: {string.Join("; ", Acts.Select(a => a.ToString()))}";
    }

    private static Gen<Script> ScriptGen() =>
        from workers in Gen.Choose(1, 4)
        from recycler in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from acts in Gen.Choose(1, 150).SelectMany(n => Gen.ArrayOf(ActGen(workers), n))
        select new Script(workers, recycler, acts);

    private static Gen<Act> ActGen(int workers) =>
        Gen.Frequency(
            (5, from s in Gen.Choose(0, workers - 1) from t in Gen.Choose(0, workers - 1) select new Act(true, s, t, 0)),
            (3, from w in Gen.Choose(0, workers - 1) from k in Gen.Elements(1, 2, 5, 100) select new Act(false, w, 0, k)));

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property A_push_hands_back_the_oldest_return_and_the_recycler_gets_the_rest_in_order() =>
        Prop.ForAll(ScriptGen().ToArbitrary(), Played);

    /// <summary>Plays the script against the model; throws at the first action that departs from it.</summary>
    private static bool Played(Script script)
    {
        int n = script.Workers;
        var recyclers = Enumerable.Range(0, n).Select(_ => new Recycler()).ToArray();
        using var group = new WorkerGroup(n);
        var fabric = new ProcessFabric(group);
        var channels = recyclers
            .Select((recycler, w) => new ProcessAllocator(fabric, w, spinIterations: 0).AllocateDirect<long[]>(0, script.Recycler ? recycler : null))
            .ToArray();

        // An instance is [sender, serial]: its identity is its reference. The model holds where
        // each one is: in a sender's hand for a target, in flight (the allocator's own queues:
        // checked by what the pulls return), at a receiver (the message it pulled last), or on
        // its way back in the return queue of (sender, receiver).
        var hands = new long[]?[n, n];
        var returns = new Queue<long[]>[n, n];
        var current = new long[]?[n];
        var made = new int[n];
        var sentTo = new long[n, n];
        var pulledFrom = new long[n, n];
        for (int s = 0; s < n; s++)
        {
            for (int t = 0; t < n; t++)
            {
                returns[s, t] = new Queue<long[]>();
            }
        }

        for (int i = 0; i < script.Acts.Length; i++)
        {
            var act = script.Acts[i];
            int s = act.Worker;
            if (act.Push)
            {
                int t = act.Target;
                var recycler = recyclers[s];

                // The next instance for this target: what the last push to it gave back, else one
                // from the recycler, else a new one.
                long[]? message = hands[s, t] ?? recycler.TryTake() ?? [s, made[s]++];

                sentTo[s, t]++;
                hands[s, t] = null;
                var expectedSlot = returns[s, t].Count > 0 ? returns[s, t].Dequeue() : null;
                var expectedAdopted = script.Recycler ? returns[s, t].ToArray() : [];
                if (script.Recycler)
                {
                    returns[s, t].Clear();
                }

                int before = recycler.Taken.Count;
                channels[s].Senders[t].Push(ref message);
                if (!ReferenceEquals(message, expectedSlot))
                {
                    throw new InvalidOperationException($"action {i}: push {s}->{t} handed back {Name(message)} where the oldest return was {Name(expectedSlot)}");
                }

                var adopted = recycler.Taken.Skip(before).ToArray();
                if (adopted.Length != expectedAdopted.Length || adopted.Where((x, k) => !ReferenceEquals(x, expectedAdopted[k])).Any())
                {
                    throw new InvalidOperationException($"action {i}: push {s}->{t} gave the recycler [{string.Join(",", adopted.Select(Name))}] where [{string.Join(",", expectedAdopted.Select(Name))}] waited");
                }

                hands[s, t] = message;
                channels[s].Senders[t].Done();
            }
            else
            {
                for (int k = 0; k < act.Count; k++)
                {
                    var previous = current[s];
                    ref long[]? slot = ref channels[s].Receiver.Pull();
                    if (previous is not null)
                    {
                        returns[(int)previous[0], s].Enqueue(previous);
                    }

                    current[s] = slot;
                    if (slot is null)
                    {
                        break;
                    }

                    pulledFrom[(int)slot[0], s]++;
                }
            }
        }

        // Every instance a sender made is in exactly one place: its hands, its recycler, in
        // flight, at a receiver, or in a return queue.
        for (int s = 0; s < n; s++)
        {
            long inFlight = 0;
            long atReceivers = 0;
            long waiting = 0;
            for (int t = 0; t < n; t++)
            {
                inFlight += sentTo[s, t] - pulledFrom[s, t];
                atReceivers += current[t] is { } held && held[0] == s ? 1 : 0;
                waiting += returns[s, t].Count;
            }

            long inHands = Enumerable.Range(0, n).Count(t => hands[s, t] is not null);
            long total = inHands + recyclers[s].Count + inFlight + atReceivers + waiting;
            if (total != made[s])
            {
                throw new InvalidOperationException($"worker {s} made {made[s]} instances and {total} are accounted for ({inHands} in hand, {recyclers[s].Count} in its recycler, {inFlight} in flight, {atReceivers} at receivers, {waiting} on their way back)");
            }
        }

        return true;
    }

    private static string Name(long[]? message) => message is null ? "nothing" : $"[{message[0]},{message[1]}]";

    /// <summary>A sender's store: what it took back, in order, and what it still holds.</summary>
    private sealed class Recycler : IRecycler<long[]>
    {
        private readonly Stack<long[]> _free = new();

        public List<long[]> Taken { get; } = [];

        public int Count => _free.Count;

        public long[]? TryTake() => _free.TryPop(out var message) ? message : null;

        public long[] Rent() => throw new InvalidOperationException("the in-process allocator rents nothing: it hands the sender's own instances across");

        public void Return(long[] item)
        {
            if (_free.Contains(item))
            {
                throw new InvalidOperationException($"{Name(item)} came back twice");
            }

            Taken.Add(item);
            _free.Push(item);
        }
    }
}
