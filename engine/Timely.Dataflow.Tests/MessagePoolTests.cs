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
}
