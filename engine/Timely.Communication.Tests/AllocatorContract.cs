using Timely.Communication.Logging;

namespace Timely.Communication.Tests;

/// <summary>
/// The contract every allocator keeps, stated once so that no allocator is held to less than
/// another: FIFO per (sender, receiver, channel);
/// nothing lost, nothing duplicated; channels independent; data for a channel not yet
/// allocated is kept; buffers come back through the push slot; broadcast reaches every
/// worker once; one worker's exception surfaces from Join without hanging the others.
/// Sealed subclasses run it for each allocator; each declares the worker counts it supports as a
/// static <c>WorkerCounts</c>, and every test runs once per count (<see cref="WorkerCountsAttribute"/>),
/// so a failure names the count.
/// </summary>
/// <remarks>
/// One file on purpose (over 500 lines): the contract is read as a whole, and every allocator is
/// held to exactly what is written here; only the cases that need two workers live apart
/// (<see cref="MultiWorkerAllocatorContract"/>), because one allocator cannot run them.
/// </remarks>
public abstract class AllocatorContract
{
    /// <summary>The config for <paramref name="workers"/> workers of the allocator under test.</summary>
    protected abstract Config MakeConfig(int workers);

    /// <summary>
    /// Global indices of the workers this process runs out of <paramref name="workers"/>: all
    /// of them in one process; a cluster's process runs its own slice, and the other
    /// processes check theirs.
    /// </summary>
    protected virtual IEnumerable<int> LocalIndices(int workers) => Enumerable.Range(0, workers);

    /// <summary>
    /// Starts the workers of <paramref name="config"/> and joins them under the deadline:
    /// <see cref="Workers.Initialize{T}"/> unless a subclass starts them another way (from
    /// builders, <see cref="Workers.InitializeFrom{T}"/>).
    /// </summary>
    protected virtual IReadOnlyList<WorkerResult<T>> Run<T>(Config config, Func<Allocator, T> logic) => WorkerRun.Run(config, logic);

    protected T[] RunOk<T>(Config config, Func<Allocator, T> logic) => WorkerRun.Ok(Run(config, logic));

    [Theory]
    [WorkerCounts]
    public void Fifo_per_pair_nothing_lost_nothing_duplicated(int n)
    {
        const int perPeer = 3000;
        var totals = RunOk(MakeConfig(n), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<long[]>(0);
            for (long seq = 0; seq < perPeer; seq++)
            {
                for (int t = 0; t < senders.Length; t++)
                {
                    long[]? msg = [allocator.Index, seq, (allocator.Index * 1_000_003L) ^ seq];
                    senders[t].Push(ref msg);
                }

                if (seq % 256 == 0)
                {
                    allocator.Release();
                }
            }

            foreach (var s in senders)
            {
                s.Done();
            }

            var next = new long[allocator.Peers];
            WorkerRun.ReceiveExactly(allocator, receiver, perPeer * allocator.Peers, msg =>
            {
                int from = (int)msg[0];
                Assert.Equal(next[from], msg[1]);             // FIFO, no gap, no duplicate
                Assert.Equal((from * 1_000_003L) ^ msg[1], msg[2]);
                next[from]++;
            });

            Assert.All(next, c => Assert.Equal(perPeer, c));
            return next.Sum();
        });

        Assert.All(totals, t => Assert.Equal((long)perPeer * n, t));
    }

    /// <summary>
    /// Every message reaches the channel it was pushed on, whatever the id: small ids, the
    /// ids on both sides of 0xFF_FFFF (where a ring between two workers escapes the id into the
    /// payload instead of its record's type word) and the largest, with more than 128 messages
    /// per channel and sender (the compact record's sequence tag wraps), interleaved across
    /// channels, plus the largest id allocated only after its messages arrived.
    /// </summary>
    [Theory]
    [WorkerCounts]
    public void Every_message_reaches_its_channel_whatever_the_id(int n)
    {
        int[] channels = [0, 1, 0xFF_FFFE, 0xFF_FFFF, 0x100_0000];
        const int perChannel = 300;
        const int late = 200;
        RunOk(MakeConfig(n), allocator =>
        {
            int me = allocator.Index;
            var links = channels.Select(c => allocator.Allocate<string>(c)).ToArray();
            if (me == 0)
            {
                // Only worker 0 allocates the largest id before sending on it.
                var (lateOut, lateIn) = allocator.Allocate<string>(Allocator.MaxChannelId);
                for (int t = 0; t < allocator.Peers; t++)
                {
                    for (int i = 0; i < late; i++)
                    {
                        string? m = $"0/{Allocator.MaxChannelId}/{i}";
                        lateOut[t].Push(ref m);
                    }

                    lateOut[t].Done();
                }

                links = [.. links, (lateOut, lateIn)];
            }

            for (int i = 0; i < perChannel; i++)
            {
                for (int k = 0; k < channels.Length; k++)
                {
                    for (int t = 0; t < allocator.Peers; t++)
                    {
                        string? m = $"{me}/{channels[k]}/{i}";
                        links[k].Senders[t].Push(ref m);
                    }
                }

                if (i % 64 == 0)
                {
                    allocator.Release();
                }
            }

            foreach (var (senders, _) in links)
            {
                foreach (var s in senders)
                {
                    s.Done();
                }
            }

            for (int k = 0; k < channels.Length; k++)
            {
                ExpectOnChannel(allocator, links[k].Receiver, channels[k], Enumerable.Range(0, allocator.Peers), perChannel);
            }

            var largest = me == 0 ? links[^1].Receiver : allocator.Allocate<string>(Allocator.MaxChannelId).Receiver;
            ExpectOnChannel(allocator, largest, Allocator.MaxChannelId, [0], late);
            return 0;
        });
    }

    // Receives count messages from each of senders on receiver, each naming channel and its
    // sender, FIFO per sender.
    private static void ExpectOnChannel(Allocator allocator, IPull<string> receiver, int channel, IEnumerable<int> senders, int count)
    {
        var next = senders.ToDictionary(s => s, _ => 0);
        WorkerRun.ReceiveExactly(allocator, receiver, count * next.Count, m =>
        {
            string[] parts = m.Split('/');
            int from = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"{from}/{channel}/{next[from]}", m);
            next[from]++;
        });
    }

    [Theory]
    [WorkerCounts]
    public void Channels_are_independent_and_typed(int n)
    {
        const int count = 500;
        RunOk(MakeConfig(n), allocator =>
        {
            var (numbersOut, numbersIn) = allocator.Allocate<long[]>(0);
            var (wordsOut, wordsIn) = allocator.Allocate<string>(1);
            var (listsOut, listsIn) = allocator.Allocate<List<int>>(2);
            for (int i = 0; i < count; i++)
            {
                for (int t = 0; t < allocator.Peers; t++)
                {
                    long[]? a = [allocator.Index, i];
                    numbersOut[t].Push(ref a);
                    string? w = $"{allocator.Index}:{i}:ünïcødé";
                    wordsOut[t].Push(ref w);
                    List<int>? l = [allocator.Index, i, i * 2];
                    listsOut[t].Push(ref l);
                }
            }

            for (int t = 0; t < allocator.Peers; t++)
            {
                numbersOut[t].Done();
                wordsOut[t].Done();
                listsOut[t].Done();
            }

            var nextNumber = new int[allocator.Peers];
            var nextWord = new int[allocator.Peers];
            var nextList = new int[allocator.Peers];
            WorkerRun.ReceiveExactly(allocator, listsIn, count * allocator.Peers, l =>
            {
                Assert.Equal(nextList[l[0]]++, l[1]);
                Assert.Equal(l[1] * 2, l[2]);
            });
            WorkerRun.ReceiveExactly(allocator, wordsIn, count * allocator.Peers, w =>
            {
                var parts = w.Split(':');
                Assert.Equal(nextWord[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)]++, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal("ünïcødé", parts[2]);
            });
            WorkerRun.ReceiveExactly(allocator, numbersIn, count * allocator.Peers, a => Assert.Equal(nextNumber[a[0]]++, a[1]));
            return 0;
        });
    }

    /// <summary>
    /// The events a receive records (what wakes a channel's operator) name every channel that
    /// got messages, each once, and no channel that got none; once everything is pulled, a
    /// receive with nothing new records none.
    /// </summary>
    [Theory]
    [WorkerCounts]
    public void Events_name_each_channel_with_messages_once_and_no_other(int n)
    {
        const int count = 40;
        RunOk(MakeConfig(n), allocator =>
        {
            var quiet = allocator.Allocate<long[]>(0);
            var busy = allocator.Allocate<long[]>(1);
            var alsoQuiet = allocator.Allocate<long[]>(2);
            var alsoBusy = allocator.Allocate<long[]>(3);
            allocator.Events.Clear();
            for (int i = 0; i < count; i++)
            {
                for (int t = 0; t < allocator.Peers; t++)
                {
                    long[]? a = [allocator.Index, i];
                    busy.Senders[t].Push(ref a);
                    long[]? b = [allocator.Index, i];
                    alsoBusy.Senders[t].Push(ref b);
                }
            }

            for (int t = 0; t < allocator.Peers; t++)
            {
                busy.Senders[t].Done();
                alsoBusy.Senders[t].Done();
            }

            WorkerRun.ReceiveExactly(allocator, busy.Receiver, count * allocator.Peers, _ => { });
            WorkerRun.ReceiveExactly(allocator, alsoBusy.Receiver, count * allocator.Peers, _ => { });
            Assert.Equal([1, 3], allocator.Events.Order());
            Assert.Null(quiet.Receiver.Pull());
            Assert.Null(alsoQuiet.Receiver.Pull());

            allocator.Events.Clear();
            allocator.Receive();
            Assert.Empty(allocator.Events);
            return 0;
        });
    }

    [Theory]
    [WorkerCounts]
    public void Ids_allocated_in_different_orders_still_pair_up(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            // Even workers allocate 3 then 7, odd workers 7 then 3: channels pair by id.
            (IPush<string>[] S, IPull<string> R) three, seven;
            if (allocator.Index % 2 == 0)
            {
                three = allocator.Allocate<string>(3);
                seven = allocator.Allocate<string>(7);
            }
            else
            {
                seven = allocator.Allocate<string>(7);
                three = allocator.Allocate<string>(3);
            }

            for (int t = 0; t < allocator.Peers; t++)
            {
                string? x = $"7-from-{allocator.Index}";
                seven.S[t].Push(ref x);
                seven.S[t].Done();
                string? y = $"3-from-{allocator.Index}";
                three.S[t].Push(ref y);
                three.S[t].Done();
            }

            var got3 = new List<string>();
            var got7 = new List<string>();
            WorkerRun.ReceiveExactly(allocator, seven.R, allocator.Peers, got7.Add);
            WorkerRun.ReceiveExactly(allocator, three.R, allocator.Peers, got3.Add);
            Assert.Equal(Enumerable.Range(0, allocator.Peers).Select(i => $"7-from-{i}").Order(), got7.Order());
            Assert.Equal(Enumerable.Range(0, allocator.Peers).Select(i => $"3-from-{i}").Order(), got3.Order());
            return 0;
        });
    }

    [Theory]
    [WorkerCounts]
    public void Allocating_an_id_twice_or_outside_the_id_range_is_refused(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            allocator.Allocate<string>(0);
            var twice = Assert.Throws<InvalidOperationException>(() => allocator.Allocate<string>(0));
            Assert.Contains("channel 0", twice.Message, StringComparison.Ordinal);

            // Outside 0..MaxChannelId (the id above is the TCP transport's failure notice).
            Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Allocate<string>(-1));
            var reserved = Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Allocate<string>(int.MaxValue));
            Assert.Contains("reserved", reserved.Message, StringComparison.Ordinal);
            allocator.Allocate<string>(Allocator.MaxChannelId);
            return 0;
        });
    }

    /// <summary>
    /// A deallocated channel is given back (the allocator holds one channel fewer), an id never
    /// allocated is ignored, and the channels left keep working; a dataflow deallocates its
    /// channels this way when it completes.
    /// </summary>
    [Theory]
    [WorkerCounts]
    public void A_deallocated_channel_is_given_back_and_the_others_keep_working(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            var links = new[] { allocator.Allocate<long[]>(10), allocator.Allocate<long[]>(11), allocator.Allocate<long[]>(12) };
            Assert.Equal(3, allocator.HeldChannels);
            OneEach(allocator, links[..2], round: 0);   // 12 is left for after: a fast peer's later round cannot mix into this one

            allocator.Deallocate(10);
            allocator.Deallocate(11);
            allocator.Deallocate(11);   // twice: no effect
            allocator.Deallocate(99);   // never allocated here: ignored
            Assert.Equal(1, allocator.HeldChannels);

            allocator.Events.Clear();
            OneEach(allocator, links[2..], round: 1);
            Assert.DoesNotContain(10, allocator.Events);
            Assert.DoesNotContain(11, allocator.Events);
            allocator.Deallocate(12);
            Assert.Equal(0, allocator.HeldChannels);
            return 0;
        });

        // Every worker pushes [sender, round] on each channel to every worker and receives the peers' ones.
        static void OneEach(Allocator allocator, (IPush<long[]>[] Senders, IPull<long[]> Receiver)[] links, int round)
        {
            foreach (var (senders, _) in links)
            {
                for (int t = 0; t < senders.Length; t++)
                {
                    long[]? m = [allocator.Index, round];
                    senders[t].Push(ref m);
                    senders[t].Done();
                }
            }

            foreach (var (_, receiver) in links)
            {
                var from = new List<long>();
                WorkerRun.ReceiveExactly(allocator, receiver, allocator.Peers, m =>
                {
                    Assert.Equal(round, m[1]);
                    from.Add(m[0]);
                });
                Assert.Equal(Enumerable.Range(0, allocator.Peers).Select(i => (long)i), from.Order());
            }
        }
    }

    [Theory]
    [WorkerCounts]
    public void Buffers_come_back_through_the_push_slot(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            // Ping-pong with the next worker: each round the sender pushes a buffer and
            // must find a reusable buffer in its slot from the second round on.
            var (senders, receiver) = allocator.Allocate<List<long>>(0);
            int target = (allocator.Index + 1) % allocator.Peers;
            List<long>? slot = new List<long>(16);
            int reused = 0;
            for (int round = 0; round < 50; round++)
            {
                slot ??= new List<long>(16);
                slot.Clear();
                slot.Add(allocator.Index);
                slot.Add(round);
                senders[target].Push(ref slot);
                senders[target].Done();
                if (slot is not null)
                {
                    reused++;
                }

                // Receive one message and leave it in the slot: the next Pull returns it to its sender.
                int got = 0;
                var deadline = DateTime.UtcNow + WorkerRun.Deadline;
                while (got == 0)
                {
                    allocator.Receive();
                    ref List<long>? incoming = ref receiver.Pull();
                    if (incoming is not null)
                    {
                        Assert.Equal(round, incoming[1]);
                        got++;
                    }
                    else
                    {
                        Assert.True(DateTime.UtcNow < deadline, "no message within the deadline");
                        allocator.AwaitEvents(TimeSpan.FromMilliseconds(200));
                    }

                    allocator.Release();
                }

                // The message stays in the puller's slot; the next Pull hands it back.
            }

            Assert.True(reused >= 40, $"only {reused} of 50 pushes came back with a buffer to reuse");
            return reused;
        });
    }

    [Theory]
    [WorkerCounts]
    public void Steady_state_exchange_allocates_nothing_per_message(int n) => AssertSteadyStateAllocatesNothing(n, logging: false);

    /// <summary>
    /// The same with a communication logger on every worker: logging a message is a struct
    /// copy into the logger's reused buffer, so it allocates nothing either; the byte allocators
    /// log every message sent and received, the typed ones none (they carry no header).
    /// </summary>
    [Theory]
    [WorkerCounts]
    public void Steady_state_exchange_allocates_nothing_per_message_with_communication_logging(int n) => AssertSteadyStateAllocatesNothing(n, logging: true);

    private void AssertSteadyStateAllocatesNothing(int n, bool logging)
    {
        // Pairs of workers (0<->1, 2<->3, ...; an odd last worker talks to itself) exchange
        // buffers, leaving each received one in the pull slot so it goes back to its sender.
        // The warm-up sends one burst deeper than anything after it, so every queue and
        // hand-back pool reaches its final size there; the measured phase runs in lock-step
        // batches (queue depth at most 2 * Batch) and must not allocate on the worker threads.
        const int Burst = 96, Batch = 32, BatchesPerWindow = 200, Windows = 3;
        var perWorker = RunOk(MakeConfig(n), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<List<long>>(0);
            int partner = (allocator.Index ^ 1) < allocator.Peers ? allocator.Index ^ 1 : allocator.Index;
            long sendsLogged = 0, receivesLogged = 0;
            if (logging)
            {
                allocator.CommunicationLogger = new Timely.Logging.Logger<CommunicationEvent>((_, batch) =>
                {
                    foreach (var (_, e) in batch)
                    {
                        if (e.Kind == CommunicationEventKind.Message && e.Message.Header.Channel == 0)
                        {
                            if (e.Message.IsSend)
                            {
                                sendsLogged++;
                            }
                            else
                            {
                                receivesLogged++;
                            }
                        }
                    }
                });
            }

            var spare = new Stack<List<long>>();
            for (int i = 0; i < 2 * Burst; i++)
            {
                spare.Push(new List<long>(4));
            }

            List<long>? slot = null;
            long seq = 0, expected = 0;

            void Send(int count)
            {
                for (int k = 0; k < count; k++)
                {
                    slot ??= spare.Count > 0 ? spare.Pop() : new List<long>(4);
                    slot.Clear();
                    slot.Add(allocator.Index);
                    slot.Add(seq++);
                    senders[partner].Push(ref slot);
                }

                senders[partner].Done();
                allocator.Release();
            }

            void ReceiveAll(int count)
            {
                var deadline = DateTime.UtcNow + WorkerRun.Deadline;
                for (int got = 0; got < count;)
                {
                    allocator.Receive();
                    ref List<long>? incoming = ref receiver.Pull();
                    if (incoming is null)
                    {
                        if (DateTime.UtcNow > deadline)
                        {
                            throw new TimeoutException($"worker {allocator.Index}: {got} of {count}");
                        }

                        allocator.AwaitEvents(TimeSpan.FromMilliseconds(100));
                        continue;
                    }

                    if (incoming[1] != expected++)
                    {
                        throw new InvalidOperationException($"worker {allocator.Index}: got message {incoming[1]}, expected {expected - 1}");
                    }

                    got++;   // left in the slot: the next Pull hands it back
                }
            }

            // Warm-up: the burst, then lock-step batches. The return queues carry the burst's
            // surplus (Burst - 1 buffers) and swing by one batch; with Burst = 96 they stay
            // inside one 128-slot segment (a 128 burst hovers at 127..129 and sometimes
            // grows a segment mid-measurement: measured, 2,496 B once per run).
            Send(Burst);
            ReceiveAll(Burst);
            for (int b = 0; b < 100; b++)
            {
                Send(Batch);
                ReceiveAll(Batch);
            }

            // Several windows: an allocation per message shows in every one of them; a
            // one-time growth (a queue depth never reached before, the thread's first real
            // sleep) shows in one at most.
            var windows = new long[Windows];
            for (int w = 0; w < Windows; w++)
            {
                long start = GC.GetAllocatedBytesForCurrentThread();
                for (int b = 0; b < BatchesPerWindow; b++)
                {
                    Send(Batch);
                    ReceiveAll(Batch);
                }

                windows[w] = GC.GetAllocatedBytesForCurrentThread() - start;
            }

            if (logging)
            {
                allocator.CommunicationLogger!.Flush();
                bool binary = allocator is BinaryAllocator;
                Assert.True(
                    binary ? sendsLogged == seq && receivesLogged >= expected : sendsLogged == 0 && receivesLogged == 0,
                    $"{allocator.GetType().Name} worker {allocator.Index}: logged {sendsLogged} sends and {receivesLogged} receives of {seq} sent, {expected} received");
            }

            return windows;
        });

        for (int w = 0; w < perWorker.Length; w++)
        {
            // Measured 0 B in steady state for every allocator; the slack admits a stray
            // runtime-internal allocation, not a per-message one (>= 6,400 B per window).
            Assert.True(
                perWorker[w].Min() < 256,
                $"{MakeConfig(n).Kind}({n}): worker {w} allocated [{string.Join(", ", perWorker[w])}] B in windows of {Batch * BatchesPerWindow} messages");
        }
    }

    [Theory]
    [WorkerCounts]
    public void Broadcast_reaches_every_worker_once(int n)
    {
        RunOk(MakeConfig(n), allocator =>
        {
            var (sender, receiver) = allocator.Broadcast<string>(0);
            for (int i = 0; i < 10; i++)
            {
                string? m = $"{allocator.Index}/{i}";
                sender.Push(ref m);
            }

            sender.Done();
            var got = new List<string>();
            WorkerRun.ReceiveExactly(allocator, receiver, 10 * allocator.Peers, got.Add);
            var expected = Enumerable.Range(0, allocator.Peers).SelectMany(w => Enumerable.Range(0, 10).Select(i => $"{w}/{i}"));
            Assert.Equal(expected.Order(), got.Order());
            return 0;
        });
    }

    [Theory]
    [WorkerCounts]
    public void An_exception_in_one_worker_surfaces_from_Join_and_does_not_hang_the_others(int n)
    {
        var results = Run(MakeConfig(n), allocator =>
        {
            var (_, receiver) = allocator.Allocate<string>(0);
            if (allocator.Index == n - 1)
            {
                throw new InvalidOperationException("boom from the last worker");
            }

            // Waits for a message nobody sends: only the failure can end this.
            WorkerRun.ReceiveExactly(allocator, receiver, 1, _ => { });
            return 1;
        });

        Assert.Equal(LocalIndices(n), results.Select(r => r.Worker));
        foreach (var result in results)
        {
            if (result.Worker == n - 1)
            {
                Assert.False(result.IsOk);
                Assert.IsType<InvalidOperationException>(result.Error);
                Assert.Equal("boom from the last worker", result.Error!.Message);
                Assert.StartsWith("Err(", result.ToString(), StringComparison.Ordinal);
            }
            else
            {
                var peer = Assert.IsType<PeerFailedException>(result.Error);
                Assert.Equal(n - 1, peer.FailedWorker);
                Assert.Contains("boom from the last worker", peer.Message, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>
    /// A recycler given to <see cref="Allocator.Allocate{T}(int, IRecycler{T})"/>: an allocator
    /// that decodes received bytes decodes every message into an instance it took from the
    /// recycler and hands each back to it when the reader pulls again, so a steady stream makes
    /// about one round's instances in all, not one per message; one that passes the sender's
    /// instances across never rents from it, and gives it (the in-process allocator) only the
    /// sender's own instances that came back beyond a push's slot. Either way every message
    /// arrives once, FIFO per sender, with its contents (lengths vary, so a reused list once held
    /// a longer message).
    /// </summary>
    [Theory]
    [WorkerCounts]
    public void A_recycler_is_where_decoded_messages_come_from_and_go_back_to(int n)
    {
        const int rounds = 60;
        const int perRound = 4;
        Timely.Bytes.WireCodec.PrepareList<long>();
        RunOk(MakeConfig(n), allocator =>
        {
            int me = allocator.Index;
            var recycler = new CountingRecycler();
            var (senders, receiver) = allocator.Allocate<List<long>>(0, recycler);
            bool decodes = allocator is BinaryAllocator;
            var next = new long[allocator.Peers];
            var sent = new HashSet<List<long>>(ReferenceEqualityComparer.Instance);
            long seq = 0;
            int received = 0;
            var deadline = DateTime.UtcNow + WorkerRun.Deadline;
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < perRound; i++, seq++)
                {
                    foreach (var sender in senders)
                    {
                        List<long>? message = [me, seq, .. Enumerable.Range(0, (int)(seq % 7) * 3).Select(k => seq + k)];
                        sent.Add(message);
                        sender.Push(ref message);
                    }
                }

                foreach (var sender in senders)
                {
                    sender.Done();
                }

                allocator.Release();

                // Wait for this round from every worker: no worker gets more than a round ahead.
                while (received < (round + 1) * perRound * allocator.Peers)
                {
                    allocator.Receive();
                    while (receiver.Pull() is { } message)
                    {
                        int from = (int)message[0];
                        long s = message[1];
                        Assert.Equal(next[from]++, s);
                        Assert.Equal(Enumerable.Range(0, (int)(s % 7) * 3).Select(k => s + k), message.Skip(2));
                        Assert.Equal(decodes, recycler.IsOut(message));
                        received++;
                    }

                    allocator.Release();
                    Assert.True(DateTime.UtcNow < deadline, $"worker {me}: received {received} messages by the deadline");
                }
            }

            // The pull that finds nothing hands the last message back.
            Assert.Null(receiver.Pull());
            Assert.All(next, c => Assert.Equal(rounds * perRound, c));
            if (decodes)
            {
                Assert.Equal(received, recycler.Rented);
                Assert.Equal(received, recycler.Returned);
                Assert.InRange(recycler.Made, 1, 3 * perRound * allocator.Peers);
                Assert.Empty(recycler.Adopted);
            }
            else
            {
                Assert.Equal(0, recycler.Rented);
                Assert.Equal(recycler.Returned, recycler.Adopted.Count);
                Assert.All(recycler.Adopted, list => Assert.Contains(list, sent));
                if (allocator is ThreadAllocator)
                {
                    Assert.Empty(recycler.Adopted);
                }
            }

            return received;
        });
    }

    [Theory]
    [WorkerCounts]
    public void Results_come_back_in_worker_order(int n)
    {
        var results = Run(MakeConfig(n), allocator => allocator.Index * 10);
        Assert.Equal(LocalIndices(n).Select(i => $"Ok({i * 10})"), results.Select(r => r.ToString()));
        Assert.Equal(LocalIndices(n), results.Select(r => r.Worker));
    }
}
