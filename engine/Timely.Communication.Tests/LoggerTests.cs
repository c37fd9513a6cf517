using Timely.Logging;

namespace Timely.Communication.Tests;

public sealed class LoggerTests
{
    [Fact]
    public void A_full_buffer_is_one_batch_and_a_flush_hands_over_the_rest_then_an_empty_batch()
    {
        var batches = new List<(TimeSpan Bound, long[] Events)>();
        var logger = new Logger<long>((bound, batch) => batches.Add((bound, batch.ToArray().Select(e => e.Event).ToArray())), 0, null, capacity: 4);
        for (long i = 0; i < 6; i++)
        {
            logger.Log(i);
        }

        Assert.Single(batches);
        Assert.Equal([0L, 1, 2, 3], batches[0].Events);
        logger.Flush();
        Assert.Equal(3, batches.Count);
        Assert.Equal([4L, 5], batches[1].Events);
        Assert.Empty(batches[2].Events);
        Assert.True(batches[2].Bound >= batches[0].Bound);
    }

    [Fact]
    public void Event_times_do_not_decrease_and_the_bound_is_at_least_every_time_in_its_batch()
    {
        var seen = new List<TimeSpan>();
        var logger = new Logger<int>((bound, batch) =>
        {
            foreach (var (time, _) in batch)
            {
                Assert.True(time <= bound, $"event at {time} in a batch bounded by {bound}");
                seen.Add(time);
            }
        }, System.Diagnostics.Stopwatch.GetTimestamp(), null, capacity: 8);
        for (int i = 0; i < 100; i++)
        {
            logger.Log(i);
        }

        logger.Flush();
        Assert.Equal(100, seen.Count);
        for (int i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i - 1] <= seen[i]);
        }
    }

    [Fact]
    public void Close_flushes_calls_the_close_callback_once_and_drops_later_events()
    {
        int events = 0, closes = 0;
        var logger = new Logger<int>((_, batch) => events += batch.Length, 0, _ => closes++);
        logger.Log(1);
        logger.Close();
        logger.Close();
        logger.Log(2);
        logger.Flush();
        Assert.Equal(1, events);
        Assert.Equal(1, closes);
        Assert.True(logger.IsClosed);
    }

    [Fact]
    public void Registry_get_is_typed_and_register_over_a_name_closes_the_old_logger()
    {
        var registry = new LogRegistry();
        int firstClosed = 0;
        var first = registry.Register<int>("x", (_, _) => { }, _ => firstClosed++);
        Assert.Same(first, registry.Get<int>("x"));
        Assert.Null(registry.Get<long>("x"));
        var second = registry.Register<int>("x", (_, _) => { });
        Assert.Equal(1, firstClosed);
        Assert.Same(second, registry.Get<int>("x"));
        Assert.True(registry.Remove("x"));
        Assert.False(registry.Remove("x"));
        Assert.Null(registry.Get<int>("x"));
    }
}
