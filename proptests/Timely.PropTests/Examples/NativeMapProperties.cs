using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// hashjoin's native map against a <see cref="Dictionary{TKey, TValue}"/> given the same keys
/// (dense small ones as the join's, strided ones as one worker of several sees, and any
/// <see cref="ulong"/> below the largest), from a table sized for none of them to one sized for
/// all: every key's value is what the dictionary holds, each new key reported new once, the count
/// the dictionary's, and the table never more than 7/8 full.
/// </summary>
public sealed class NativeMapProperties
{
    [Property(MaxTest = 100)]
    public Property A_native_map_holds_what_a_dictionary_given_the_same_keys_holds()
    {
        var key = Gen.OneOf(
            Gen.Choose(0, 300).Select(k => (ulong)k),
            Gen.Choose(0, 300).Select(k => (ulong)k * 4),
            Gen.Choose(int.MinValue, int.MaxValue).Select(k => unchecked((ulong)k * 0x1_0000_0001UL)),
            Gen.Constant(ulong.MaxValue - 1));
        var run = Gen.Zip(Gen.Choose(0, 400), key.ArrayOf());
        return Prop.ForAll(run.ToArbitrary(), t =>
        {
            var (expected, keys) = t;
            using var map = new NativeMap<long>(expected);
            var model = new Dictionary<ulong, long>();
            foreach (ulong k in keys)
            {
                ref long value = ref map.GetValueRefOrAddDefault(k, out bool exists);
                if (exists != model.ContainsKey(k))
                {
                    return false.Label($"key {k}: exists {exists}");
                }

                value += (long)(k % 1000) + 1;
                model[k] = model.GetValueOrDefault(k) + (long)(k % 1000) + 1;
                if ((long)map.Count * 8 > (long)map.Slots * 7)
                {
                    return false.Label($"{map.Count} keys in {map.Slots} slots");
                }
            }

            foreach (var (k, v) in model)
            {
                if (map.GetValueRefOrAddDefault(k, out bool exists) != v || !exists)
                {
                    return false.Label($"key {k}");
                }
            }

            return (map.Count == model.Count).Label($"count {map.Count} against {model.Count}");
        });
    }
}
