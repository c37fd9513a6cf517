using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// hashjoin's values in chains of blocks against the model "a list per key": whatever the order
/// in which values are appended to which lists, each list reads back exactly its own values in
/// the order they came, across block and slab boundaries.
/// </summary>
public sealed class ValueBlocksProperties
{
    private static ulong[] ReadBack(ValueBlocks blocks, ValueBlocks.List list)
    {
        var values = new List<ulong>();
        for (int block = list.Head, left = list.Count; left > 0;)
        {
            var run = blocks.Block(block, left, out block);
            if (run.IsEmpty || run.Length > ValueBlocks.BlockSize)
            {
                throw new InvalidOperationException($"a block gave {run.Length} values with {left} left");
            }

            values.AddRange(run.ToArray());
            left -= run.Length;
        }

        return values.ToArray();
    }

    [Property(MaxTest = 200)]
    public Property Each_list_reads_back_its_own_values_in_order()
    {
        // Few lists (long chains) to many (short ones); appends interleaved at random.
        var appends = Gen.Elements(1, 3, 40, 2000).SelectMany(lists =>
            Gen.Zip(Gen.Choose(0, lists - 1), Gen.Choose(0, int.MaxValue).Select(v => (ulong)v)).ArrayOf()
                .Select(a => (lists, a)));
        return Prop.ForAll(appends.ToArbitrary(), t =>
        {
            var (count, values) = t;
            using var blocks = new ValueBlocks();
            var lists = new ValueBlocks.List[count];
            var model = Enumerable.Range(0, count).Select(_ => new List<ulong>()).ToArray();
            foreach (var (list, value) in values)
            {
                blocks.Add(ref lists[list], value);
                model[list].Add(value);
            }

            for (int i = 0; i < count; i++)
            {
                if (lists[i].Count != model[i].Count || !ReadBack(blocks, lists[i]).SequenceEqual(model[i]))
                {
                    return false.Label($"list {i} of {count}");
                }
            }

            int needed = model.Sum(m => (m.Count + ValueBlocks.BlockSize - 1) / ValueBlocks.BlockSize);
            return (blocks.Blocks == needed).Label($"{blocks.Blocks} blocks for lists needing {needed}");
        });
    }

    [Fact]
    public void Lists_across_the_stores_growths_read_back_whole()
    {
        // Enough blocks to grow the store (doubling from 4 values) nine times, from short lists
        // and one long list interleaved with them: every growth moves the blocks already written.
        using var blocks = new ValueBlocks();
        var lists = new ValueBlocks.List[1034];
        var longList = default(ValueBlocks.List);
        var expected = new List<ulong>();
        for (int i = 0; i < lists.Length; i++)
        {
            blocks.Add(ref lists[i], (ulong)i);
            for (int k = 0; k < 3; k++)
            {
                ulong value = ((ulong)i << 8) | (uint)k;
                blocks.Add(ref longList, value);
                expected.Add(value);
            }
        }

        Assert.True(blocks.Blocks > 1024);
        for (int i = 0; i < lists.Length; i++)
        {
            Assert.Equal([(ulong)i], ReadBack(blocks, lists[i]));
        }

        Assert.Equal(expected, ReadBack(blocks, longList));
    }
}
