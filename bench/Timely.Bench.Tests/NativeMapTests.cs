using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// hashjoin's native map: sized for the keys it is told of it does not grow, past 7/8 of its
/// slots it doubles and keeps every value, key 0 is a key like any other, and the one key whose
/// tag would mark an empty slot is refused.
/// </summary>
public sealed class NativeMapTests
{
    [Fact]
    public void Sized_for_its_keys_it_does_not_grow_and_past_seven_eighths_it_doubles()
    {
        using var map = new NativeMap<int>(100_000);
        Assert.Equal(131_072, map.Slots);
        for (ulong k = 0; k < 100_000; k++)
        {
            map.GetValueRefOrAddDefault(k, out _) = (int)k + 1;
        }

        Assert.Equal(131_072, map.Slots);
        for (ulong k = 100_000; k <= 131_072 * 7 / 8; k++)
        {
            map.GetValueRefOrAddDefault(k, out _) = (int)k + 1;
        }

        Assert.Equal(262_144, map.Slots);
        Assert.Equal((131_072 * 7 / 8) + 1, map.Count);
        for (ulong k = 0; k <= 131_072 * 7 / 8; k++)
        {
            Assert.Equal((int)k + 1, map.GetValueRefOrAddDefault(k, out bool exists));
            Assert.True(exists);
        }
    }

    [Fact]
    public void Key_zero_is_a_key_like_any_other()
    {
        using var map = new NativeMap<long>(0);
        map.GetValueRefOrAddDefault(0, out bool first) = 5;
        ref long again = ref map.GetValueRefOrAddDefault(0, out bool second);
        Assert.False(first);
        Assert.True(second);
        Assert.Equal(5, again);
        Assert.Equal(1, map.Count);
    }

    [Fact]
    public void The_largest_key_is_refused()
    {
        using var map = new NativeMap<long>(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.GetValueRefOrAddDefault(ulong.MaxValue, out _));
        Assert.Equal(0, map.Count);
    }
}
