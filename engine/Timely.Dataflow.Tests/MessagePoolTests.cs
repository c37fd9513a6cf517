using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

public sealed class MessagePoolTests
{
    [Fact]
    public void Rent_from_an_empty_pool_makes_an_empty_message_and_counts_it()
    {
        var pool = new MessagePool<int, int>();
        Assert.Null(pool.TryRent());

        var message = pool.Rent();
        Assert.Empty(message.Data);
        Assert.Equal(1, pool.Created);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void A_returned_message_comes_back_empty_and_is_not_made_again()
    {
        var pool = new MessagePool<int, int>();
        var message = pool.Rent();
        message.Time = 7;
        message.Data.AddRange([1, 2, 3]);

        pool.Return(message);
        Assert.Equal(1, pool.Count);

        var again = pool.Rent();
        Assert.Same(message, again);
        Assert.Empty(again.Data);
        Assert.Equal(1, pool.Created);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Returning_a_message_twice_throws_and_leaves_one_copy_in_the_pool()
    {
        var pool = new MessagePool<int, int>();
        var message = pool.Rent();
        pool.Return(message);

        var error = Assert.Throws<InvalidOperationException>(() => pool.Return(message));
        Assert.Contains("released twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.Count);
        Assert.Same(message, pool.TryRent());
        Assert.Null(pool.TryRent());
    }

    [Fact]
    public void A_returned_message_holds_no_reference_to_its_records()
    {
        var pool = new MessagePool<int, string>();
        var message = pool.Rent();
        message.Data.Add("kept alive?");
        var array = ListStorage<string>.Reserve(message.Data, 1);

        pool.Return(message);
        Assert.Null(array[0]);
    }

    [Fact]
    public void A_carrier_from_an_empty_pool_brings_no_room()
    {
        var pool = new MessagePool<int, int>();
        var carrier = pool.RentCarrier();

        Assert.Empty(carrier.Data);
        Assert.Equal(0, carrier.Data.Capacity);
        Assert.Equal(1, pool.Created);
        Assert.Equal(0, pool.RoomMade);
    }

    [Fact]
    public void A_message_made_after_the_first_of_its_block_allocates_only_its_room()
    {
        // The first fill of two workers allocating at once spread its arrays over twice their
        // bytes when each batch was a message, a list and an array in a row (MessagePool's
        // design note); made from a shell made ahead, a batch allocates its array alone.
        var pool = new MessagePool<int, ulong>();
        _ = pool.Rent();   // makes the block (and runs what a first call allocates)
        long arrayBytes = AllocatedBy(static () => _kept = new ulong[Message<int, ulong>.BatchSize]);

        const int rents = 10;
        var made = new Message<int, ulong>[rents];
        long bytes = AllocatedBy(() =>
        {
            for (int i = 0; i < rents; i++)
            {
                made[i] = pool.Rent();
            }
        });

        Assert.Equal(rents * arrayBytes, bytes);
        Assert.All(made, m => Assert.Equal(Message<int, ulong>.BatchSize, m.Data.Capacity));
        Assert.Equal(rents + 1, pool.Created);
        Assert.Equal(rents + 1, pool.RoomMade);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Carriers_after_the_first_of_a_block_allocate_nothing_and_blocks_repeat()
    {
        const int block = MessagePool<int, ulong>.ShellBlock;
        var pool = new MessagePool<int, ulong>();
        var carriers = new Message<int, ulong>[block + 1];
        carriers[0] = pool.RentCarrier();   // makes the block
        long bytes = AllocatedBy(() =>
        {
            for (int i = 1; i < block; i++)
            {
                carriers[i] = pool.RentCarrier();
            }
        });
        Assert.Equal(0, bytes);

        // The block used up, the next carrier makes another; every carrier is a message of its own, counted as made.
        carriers[block] = pool.RentCarrier();
        Assert.Equal(block + 1, carriers.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(carriers, c => Assert.Equal(0, c.Data.Capacity));
        Assert.Equal(block + 1, pool.Created);
        Assert.Equal(0, pool.Count);
    }

    private static ulong[]? _kept;   // where the measured array escapes to, so it is allocated on the heap

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Reserve_takes_a_waiting_messages_room_before_making_one()
    {
        var pool = new MessagePool<int, int>();
        var full = pool.Rent();
        Assert.Equal(1, pool.RoomMade);
        var room = ListStorage<int>.Reserve(full.Data, 1);
        pool.Return(full);

        var shell = pool.RentCarrier();   // the pool hands its stocked message first
        Assert.Same(full, shell);
        var bare = new MessagePool<int, int>().RentCarrier();
        pool.Return(shell);

        // A message without room (a received one whose list went downstream) takes the waiting array.
        bare.Data.Add(5);
        var items = pool.Reserve(bare);
        Assert.Same(room, items);
        Assert.Empty(bare.Data);
        Assert.Equal(1, pool.RoomMade);
        Assert.Equal(0, pool.RoomCount);
        Assert.Equal(1, pool.Count);   // the stocked message stays, now a shell

        // None waits now: the next one without room gets a new array, counted.
        var another = pool.RentCarrier();
        Assert.InRange(another.Data.Capacity, 0, Message<int, int>.BatchSize - 1);
        Assert.True(pool.Reserve(another).Length >= Message<int, int>.BatchSize);
        Assert.Equal(2, pool.RoomMade);
    }

    [Fact]
    public void Reserve_leaves_a_message_that_has_room_its_own_array()
    {
        var pool = new MessagePool<int, string>();
        var message = pool.Rent();
        message.Data.Add("dropped");
        var before = ListStorage<string>.Reserve(message.Data, 1);

        var items = pool.Reserve(message);
        Assert.Same(before, items);
        Assert.Empty(message.Data);
        Assert.Null(items[0]);
        Assert.Equal(1, pool.RoomMade);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_forwarded_exchange_burst_makes_one_array_per_batch_in_flight(int workers)
    {
        // timely's exchange example: two rounds are sent at time 0 before the first step (its
        // loop advances to round r after sending round r), then input -> exchange -> probe.
        // The exchange operator forwards the whole burst into its pipeline before the probe runs;
        // a carrier made with a batch's room for each forward sent that room back to the sender
        // unused, and every worker held two arrays per batch in flight.
        const int batchesPerRound = 24;
        const int rounds = 4;
        int records = batchesPerRound * Message<ulong, ulong>.BatchSize;
        var results = Execute.Run(Config.Process(workers), worker =>
        {
            var input = new InputHandle<ulong, ulong>();
            var probe = new ProbeHandle<ulong>();
            long seen = 0;
            ulong sum = 0;
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input)
                    .Exchange(x => x)
                    .InspectBatch((_, batch) =>
                    {
                        seen += batch.Count;
                        foreach (var x in batch)
                        {
                            sum += x;
                        }
                    })
                    .ProbeWith(probe));
            for (ulong round = 0; round < rounds; round++)
            {
                for (int i = 0; i < records; i++)
                {
                    input.Send((ulong)i);
                }

                input.AdvanceTo(round);
                while (probe.LessThan(input.Time))
                {
                    worker.Step();
                }
            }

            input.Close();
            while (!probe.Done)
            {
                worker.Step();
            }

            return (Room: worker.EmptyMessages<ulong, ulong>().RoomMade, Seen: seen, Sum: sum);
        });

        // Nothing lost: every worker's records arrive once.
        Assert.Equal((long)rounds * records * workers, results.Sum(r => r.Seen));
        Assert.Equal((ulong)rounds * (ulong)workers * ((ulong)records * (ulong)(records - 1) / 2), results.Aggregate(0UL, (a, r) => a + r.Sum));

        // At most two rounds' batches are in flight at once (the records split evenly, so every
        // batch is full), and a few arrays more for the outputs' and the exchanges' own buffers;
        // twice that is the carriers' room sent back unused. At least the batches each worker
        // sends itself before its first step are in flight (the others may be read and sent back
        // while it sends, so the count depends on the threads' timing between these bounds).
        long inFlight = 2L * batchesPerRound * workers;
        long made = results.Sum(r => r.Room);
        Assert.InRange(made, 2L * batchesPerRound, inFlight + (6L * workers * workers) + (4L * workers));
    }

    [Fact]
    public void An_operator_that_takes_its_batches_keeps_every_record_in_order_and_released_room_is_refilled()
    {
        // A sink that keeps whole batches until their time is complete (bfs's edges and node
        // lists): Take hands over each list, Release gives its room back once read.
        const int batches = 12;
        int records = batches * Message<ulong, int>.BatchSize;
        var kept = new List<int>();
        var emptyAfterTake = true;
        long roomAfterFirst = 0, roomAfterSecond = 0;
        Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            var held = new List<List<int>>();
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input)
                    .Unary<ulong, int, int>(Pact<int>.Pipeline, "Keeper", (port, output) =>
                    {
                        while (port.TryNext(out var cap, out var data))
                        {
                            var batch = port.Take();
                            emptyAfterTake &= ReferenceEquals(batch, data) && port.Current!.Data.Count == 0;
                            held.Add(batch);
                        }

                        // Read once everything available is taken, as bfs reads its edges once all are in.
                        foreach (var batch in held)
                        {
                            kept.AddRange(batch);
                            port.Release(batch);
                        }

                        held.Clear();
                    })
                    .ProbeWith(probe));
            var pool = worker.EmptyMessages<ulong, int>();
            for (ulong round = 1; round <= 2; round++)
            {
                for (int i = 0; i < records; i++)
                {
                    input.Send(i + (int)round);
                }

                input.AdvanceTo(round);
                while (probe.LessThan(round))
                {
                    worker.Step();
                }

                if (round == 1)
                {
                    roomAfterFirst = pool.RoomMade;
                }
                else
                {
                    roomAfterSecond = pool.RoomMade;
                }
            }
        });

        Assert.True(emptyAfterTake);
        Assert.Equal(Enumerable.Range(1, records).Concat(Enumerable.Range(2, records)), kept);

        // The second round's batches are written into the first round's released room.
        Assert.Equal(roomAfterFirst, roomAfterSecond);
    }

    [Fact]
    public void Take_without_a_message_throws()
    {
        Execute.Directly(worker =>
        {
            InvalidOperationException? error = null;
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input).Unary<ulong, int, int>(Pact<int>.Pipeline, "Taker", (port, output) =>
                {
                    while (port.TryNext(out _, out _))
                    {
                    }

                    error ??= Assert.Throws<InvalidOperationException>(() => port.Take());
                }));
            input.Send(1);
            input.Close();
            worker.Step();
            Assert.NotNull(error);
        });
    }

    [Fact]
    public void A_released_list_with_less_than_a_batchs_room_is_not_pooled()
    {
        var pool = new MessagePool<int, int>();
        pool.Adopt([1, 2, 3]);
        Assert.Equal(0, pool.Count);

        var room = new List<int>(Message<int, int>.BatchSize) { 4 };
        pool.Adopt(room);
        Assert.Equal(1, pool.RoomCount);
        var message = pool.Rent();
        Assert.Same(room, message.Data);
        Assert.Empty(message.Data);
        Assert.Equal(0, pool.RoomMade);
    }

    [Fact]
    public void A_worker_has_one_pool_per_time_and_record_type()
    {
        Execute.Directly(worker =>
        {
            Assert.Same(worker.EmptyMessages<ulong, int>(), worker.EmptyMessages<ulong, int>());
            Assert.NotSame((object)worker.EmptyMessages<ulong, int>(), worker.EmptyMessages<ulong, long>());
            Assert.NotSame((object)worker.EmptyMessages<ulong, int>(), worker.EmptyMessages<int, int>());
        });
    }

    [Fact]
    public void A_chain_of_pass_through_operators_holds_one_burst_of_messages_not_one_per_hop()
    {
        // A burst of full batches in flight at once, through three forwarding hops (the shape of
        // pagerank's operator -> probe -> feedback): each hop fills what the hop before it released.
        const int batches = 40;
        const int batch = Message<ulong, int>.BatchSize;
        var created = new long[2];
        var seen = new List<int>();
        Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input)
                    .InspectBatch((_, _) => { })
                    .InspectBatch((_, _) => { })
                    .Inspect(seen.Add)
                    .ProbeWith(probe));
            var pool = worker.EmptyMessages<ulong, int>();
            for (int round = 0; round < 2; round++)
            {
                for (int i = 0; i < batches * batch; i++)
                {
                    input.Send(i);
                }

                input.AdvanceTo((ulong)round + 1);
                while (probe.LessThan((ulong)round + 1))
                {
                    worker.Step();
                }

                created[round] = pool.Created;
            }
        });

        Assert.Equal(2 * batches * batch, seen.Count);
        Assert.Equal(Enumerable.Range(0, batches * batch), seen.Take(batches * batch));

        // One message per batch in flight, plus one per hop that has not yet released its first;
        // a pool per channel made one per batch at every hop (4 x 40 here).
        Assert.InRange(created[0], batches, batches + 6);
        Assert.Equal(created[0], created[1]);
    }

    [Fact]
    public void Messages_that_cross_as_bytes_are_decoded_into_the_workers_pool_and_go_back_to_it()
    {
        // ProcessBinary: the exchange's messages cross as bytes and are decoded, the path the
        // shared-memory and TCP transports share. Every message the exchanged input reads must be
        // one of the worker's pool's, back in the pool once read, and the pool makes about one
        // round's messages in all (a round is over at every worker before the next is sent), where
        // a new message per decode would make one per batch per round.
        const int batches = 24;
        const int rounds = 4;
        var results = Execute.Run(Config.ProcessBinary(2), worker =>
        {
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            var read = new HashSet<Message<ulong, int>>(ReferenceEqualityComparer.Instance);
            long records = 0;
            worker.Dataflow<ulong>(scope =>
                scope.InputFrom(input)
                    .Unary<ulong, int, int>(Pact<int>.Exchange(v => (ulong)v), "Reader", (port, output) =>
                    {
                        while (port.TryNext(out _, out var data))
                        {
                            read.Add(port.Current!);
                            records += data.Count;
                        }
                    })
                    .ProbeWith(probe));
            var pool = worker.EmptyMessages<ulong, int>();
            var created = new long[rounds];
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < batches * Message<ulong, int>.BatchSize; i++)
                {
                    input.Send(i);
                }

                input.AdvanceTo((ulong)round + 1);
                while (probe.LessThan((ulong)round + 1))
                {
                    worker.Step();
                }

                created[round] = pool.Created;
            }

            var waiting = new HashSet<Message<ulong, int>>(ReferenceEqualityComparer.Instance);
            while (pool.TryRent() is { } message)
            {
                waiting.Add(message);
            }

            return (Created: created, Read: read.Count, Back: read.Count(waiting.Contains), Records: records);
        });

        Assert.Equal(2, results.Length);
        Assert.Equal(2L * rounds * batches * Message<ulong, int>.BatchSize, results.Sum(r => r.Records));
        foreach (var (created, read, back, _) in results)
        {
            // At least one burst's worth of messages were decoded on each worker, and all of them are back.
            Assert.InRange(read, batches / 2, int.MaxValue);
            Assert.Equal(read, back);
            Assert.InRange(created[^1], 1, batches + 8);
        }
    }
}
