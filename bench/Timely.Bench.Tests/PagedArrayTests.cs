using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// The examples' paged array: pages stay under the runtime's large-object threshold whatever the
/// element size, growing keeps what is there and adds default elements, the length bounds every
/// index (also inside the last page's unused tail), and a fill stops at the length.
/// </summary>
public sealed class PagedArrayTests
{
    // The runtime puts an array of this many bytes or more (header included) on the large-object heap.
    private const int LargeObjectThreshold = 85_000;

    [StructLayout(LayoutKind.Sequential, Size = 32)]
    private struct ThirtyTwoBytes
    {
    }

    [StructLayout(LayoutKind.Sequential, Size = 40_000)]
    private struct FortyKilobytes
    {
    }

    [Fact]
    public void A_page_is_a_power_of_two_of_elements_under_the_large_object_threshold()
    {
        AssertPage<byte>();
        AssertPage<int>();
        AssertPage<(int, long)>();
        AssertPage<((int, int), long)>();
        AssertPage<ThirtyTwoBytes>();
        AssertPage<FortyKilobytes>();

        static void AssertPage<T>()
        {
            int length = PagedArray<T>.PageLength;
            Assert.True(length >= 1 && (length & (length - 1)) == 0, $"{typeof(T)}: {length} is not a power of two");
            Assert.True(((long)length * Unsafe.SizeOf<T>()) + 64 < LargeObjectThreshold, $"{typeof(T)}: {length} elements reach the large-object heap");
            Assert.True(length == 1 || 2L * length * Unsafe.SizeOf<T>() > 64 * 1024, $"{typeof(T)}: {length} elements is under half of 64 KiB");
        }
    }

    [Fact]
    public void Pages_of_a_million_ints_start_in_gen0_not_on_the_large_object_heap()
    {
        // A large-object array reports generation 2 from its allocation on; a small one 0 (or 1
        // after a collection in between: then look again, two collections in a few microseconds
        // being what would make it 2).
        for (int attempt = 0; ; attempt++)
        {
            int gen1Before = GC.CollectionCount(1);
            var array = new PagedArray<int>(1_000_000);
            int highest = Enumerable.Range(0, array.Pages).Max(p => GC.GetGeneration(array.Page(p)));
            if (GC.CollectionCount(1) != gen1Before && attempt < 5)
            {
                continue;
            }

            Assert.Equal(62, array.Pages);
            Assert.True(highest < 2, $"a page is in generation {highest}");
            return;
        }
    }

    [Fact]
    public void Growing_keeps_the_elements_and_adds_default_ones()
    {
        int page = PagedArray<long>.PageLength;
        var array = new PagedArray<long>(3);
        for (int i = 0; i < 3; i++)
        {
            array[i] = i + 100;
        }

        array.Grow((2 * page) + 5);
        Assert.Equal((2 * page) + 5, array.Length);
        Assert.Equal(3, array.Pages);
        Assert.Equal([100L, 101, 102], [array[0], array[1], array[2]]);
        Assert.All(Enumerable.Range(3, array.Length - 3), i => Assert.Equal(0, array[i]));

        array[page] = 7;
        array.Grow(10);   // shorter: nothing changes
        Assert.Equal((2 * page) + 5, array.Length);
        Assert.Equal(7, array[page]);
        Assert.Throws<ArgumentOutOfRangeException>(() => array.Grow(-1));
    }

    [Fact]
    public void Every_index_outside_the_length_throws_also_inside_the_last_page()
    {
        var array = new PagedArray<int>(PagedArray<int>.PageLength + 10);
        array[PagedArray<int>.PageLength + 9] = 1;
        Assert.Throws<ArgumentOutOfRangeException>(() => array[PagedArray<int>.PageLength + 10]);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[(2 * PagedArray<int>.PageLength) - 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedArray<int>()[0]);
    }

    [Fact]
    public void A_fill_stops_at_the_length_so_a_later_grow_still_adds_default_elements()
    {
        int page = PagedArray<int>.PageLength;
        var array = new PagedArray<int>(page + 3);
        array.Fill(1000);
        Assert.All(Enumerable.Range(0, page + 3), i => Assert.Equal(1000, array[i]));

        array.Grow(page + 8);
        Assert.Equal([1000, 0, 0, 0, 0, 0], Enumerable.Range(page + 2, 6).Select(i => array[i]));
    }
}
