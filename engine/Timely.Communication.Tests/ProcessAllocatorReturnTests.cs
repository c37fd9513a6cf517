namespace Timely.Communication.Tests;

/// <summary>
/// What a push to another worker of the process hands back: the oldest instance its receiver has
/// returned, through the push's slot (timely's ownership rule), and, when the channel was
/// allocated with a recycler (the dataflow's message pool), every other instance already waiting
/// to that recycler, so none waits in the return queue where only later pushes to the same target
/// could reach it. Without a recycler the queue keeps them for the pushes that follow.
/// </summary>
public sealed class ProcessAllocatorReturnTests
{
    [Fact]
    public void A_push_hands_back_the_oldest_return_and_gives_the_others_waiting_to_the_recycler()
    {
        var (adopted, slots) = SendFiveThenTwo(withRecycler: true);

        // The sixth push found all five back: the first through its slot, the other four in the
        // recycler, in the order they came back; the seventh found none waiting.
        Assert.Equal([0L, -1L], slots);
        Assert.Equal([1L, 2L, 3L, 4L], adopted);
    }

    [Fact]
    public void Without_a_recycler_each_push_hands_back_one_and_the_queue_keeps_the_rest()
    {
        var (adopted, slots) = SendFiveThenTwo(withRecycler: false);

        Assert.Equal([0L, 1L], slots);
        Assert.Empty(adopted);
    }

    /// <summary>
    /// Worker 0 sends lists 0..4 to worker 1, which pulls them all and hands all five back; then
    /// worker 0 sends two more. Returns what worker 0's recycler adopted (each list's number) and
    /// what each of the two later pushes found in its slot (-1: nothing).
    /// </summary>
    private static (long[] Adopted, long[] Slots) SendFiveThenTwo(bool withRecycler)
    {
        using var both = new Barrier(2);
        var results = WorkerRun.RunOk(Config.Process(2), allocator =>
        {
            var recycler = new CountingRecycler();
            var (senders, receiver) = withRecycler ? allocator.Allocate<List<long>>(0, recycler) : allocator.Allocate<List<long>>(0);
            if (allocator.Index == 0)
            {
                var sent = Enumerable.Range(0, 7).Select(i => new List<long> { i }).ToArray();
                var adoptedNumbers = new Dictionary<List<long>, long>(ReferenceEqualityComparer.Instance);
                for (int i = 0; i < 5; i++)
                {
                    List<long>? message = sent[i];
                    adoptedNumbers[sent[i]] = i;
                    senders[1].Push(ref message);
                    Assert.Null(message);   // nothing has come back yet
                }

                senders[1].Done();
                Meet(both);   // sent
                Meet(both);   // pulled and handed back

                var slots = new long[2];
                for (int i = 5; i < 7; i++)
                {
                    List<long>? message = sent[i];
                    senders[1].Push(ref message);
                    slots[i - 5] = message is null ? -1 : adoptedNumbers[message];
                }

                senders[1].Done();
                Meet(both);   // the last two sent
                return (recycler.Adopted.Select(list => adoptedNumbers[list]).ToArray(), slots);
            }

            Meet(both);
            for (long i = 0; i < 5; i++)
            {
                Assert.Equal([i], receiver.Pull()!);
            }

            Assert.Null(receiver.Pull());   // hands the fifth back too
            Meet(both);
            Meet(both);
            Assert.Equal([5L], receiver.Pull()!);
            Assert.Equal([6L], receiver.Pull()!);
            Assert.Null(receiver.Pull());
            Assert.Empty(recycler.Adopted);   // worker 1 sent nothing: nothing of its own came back
            return (Array.Empty<long>(), Array.Empty<long>());
        });

        return results[0];
    }

    private static void Meet(Barrier barrier) =>
        Assert.True(barrier.SignalAndWait(WorkerRun.Deadline), "the other worker never reached the barrier");
}
