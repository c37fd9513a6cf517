using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// The examples' native list: it grows by doubling and keeps what it holds, a grown element reads
/// default even where the block held other values, the count bounds every index (also inside the
/// capacity), growing takes nothing from the collector's heap, and a disposed list is empty and
/// refuses to grow.
/// </summary>
public sealed class NativeListTests
{
    [Fact]
    public void Adding_doubles_the_capacity_and_keeps_every_element()
    {
        using var list = new NativeList<long>();
        var capacities = new List<int>();
        for (int i = 0; i < 100; i++)
        {
            list.Add(i * 3L);
            if (capacities.Count == 0 || capacities[^1] != list.Capacity)
            {
                capacities.Add(list.Capacity);
            }
        }

        Assert.Equal([4, 8, 16, 32, 64, 128], capacities);
        Assert.Equal(100, list.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 3L), list.AsSpan().ToArray());
    }

    [Fact]
    public void Growing_past_twice_the_capacity_takes_the_count_asked_for()
    {
        using var list = new NativeList<int>(4);
        list.Grow(1_000);
        Assert.Equal(1_000, list.Count);
        Assert.Equal(1_000, list.Capacity);
        list.Grow(1_001);
        Assert.Equal(2_000, list.Capacity);
    }

    [Fact]
    public void A_grown_element_reads_default_where_the_block_held_values()
    {
        using var list = new NativeList<int>();
        for (int i = 0; i < 64; i++)
        {
            list.Add(-1);
        }

        list.Clear();
        list.Grow(64);
        Assert.All(list.AsSpan().ToArray(), value => Assert.Equal(0, value));
    }

    [Fact]
    public void A_shorter_count_leaves_the_list_as_it_is()
    {
        using var list = new NativeList<byte>();
        list.Grow(10);
        list[9] = 7;
        list.Grow(5);
        Assert.Equal(10, list.Count);
        Assert.Equal(7, list[9]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(int.MinValue)]
    public void The_count_bounds_every_index_also_inside_the_capacity(int index)
    {
        using var list = new NativeList<int>(16);
        list.Grow(5);
        Assert.Equal(16, list.Capacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[index]);
    }

    [Fact]
    public void Growing_to_a_million_elements_takes_nothing_from_the_collectors_heap()
    {
        // Warm the methods first: their first call may allocate while it is compiled.
        using (var warm = new NativeList<int>())
        {
            warm.Grow(10);
            warm.Add(1);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var list = new NativeList<int>();
        long afterObject = GC.GetAllocatedBytesForCurrentThread();
        list.Grow(1_000_000);
        for (int i = 0; i < 1_000_000; i++)
        {
            list.Add(i);
        }

        long after = GC.GetAllocatedBytesForCurrentThread();
        list.Dispose();
        Assert.True(afterObject - before < 100, $"the list object took {afterObject - before} bytes");
        Assert.Equal(0, after - afterObject);
    }

    [Fact]
    public void Adding_a_range_appends_it_across_a_growth()
    {
        using var list = new NativeList<long>();
        list.Add(-1);
        list.AddRange([1, 2, 3]);
        Assert.Equal(4, list.Capacity);
        list.AddRange(Enumerable.Range(10, 20).Select(i => (long)i).ToArray());
        list.AddRange([]);
        Assert.Equal(new long[] { -1, 1, 2, 3 }.Concat(Enumerable.Range(10, 20).Select(i => (long)i)), list.AsSpan().ToArray());
        Assert.Equal(24, list.Count);
        Assert.Equal(24, list.Capacity);
    }

    [Fact]
    public void A_disposed_list_is_empty_and_refuses_to_grow()
    {
        var list = new NativeList<int>();
        list.Grow(3);
        list.Dispose();
        list.Dispose();
        Assert.Equal(0, list.Count);
        Assert.Equal(0, list.Capacity);
        Assert.True(list.AsSpan().IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[0]);
        Assert.Throws<ObjectDisposedException>(() => list.Add(1));
        Assert.Throws<ObjectDisposedException>(() => list.Grow(1));
        Assert.Throws<ObjectDisposedException>(() => list.AddRange([]));
    }

    [Fact]
    public void A_negative_count_or_capacity_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NativeList<int>(-1));
        using var list = new NativeList<int>();
        Assert.Throws<ArgumentOutOfRangeException>(() => list.Grow(-1));
    }
}
