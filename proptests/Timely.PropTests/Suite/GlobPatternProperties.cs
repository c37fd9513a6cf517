using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Suite;

namespace Timely.PropTests.Suite;

/// <summary>
/// A <c>--filter</c> glob (<see cref="GlobPattern"/>) selects the rows the regular expression it
/// replaced selected: the escaped filter with <c>*</c> as <c>.*</c> and <c>?</c> as <c>.</c>,
/// anchored at both ends, case-insensitive and culture-invariant. Filters and row texts are drawn
/// from one small alphabet (both cases, the wildcards, regex metacharacters, spaces and dashes as
/// the suite's rows have them) so that matches and near misses both come up often.
/// </summary>
public sealed class GlobPatternProperties
{
    private static readonly char[] Alphabet = ['a', 'A', 'b', 'B', 'k', 'K', 'w', '*', '?', '.', '-', ' ', '2', '(', '+', '$'];

    [Property(MaxTest = 2000)]
    public Property A_glob_matches_what_its_regular_expression_matched()
    {
        var word = Gen.Elements(Alphabet).ListOf().Select(cs => new string([.. cs]));
        var text = Gen.OneOf(word, word.Select(w => w.Replace("*", "", StringComparison.Ordinal).Replace("?", "", StringComparison.Ordinal)));
        return Prop.ForAll(Gen.Zip(word, text).ToArbitrary(), pair =>
        {
            var (filter, row) = pair;
            string pattern = "^" + Regex.Escape(filter).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            bool expected = Regex.IsMatch(row, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            return (GlobPattern.IsMatch(filter, row) == expected).Label($"filter '{filter}' row '{row}' regex {expected}");
        });
    }

    [Property(MaxTest = 500)]
    public Property A_row_matches_itself_with_any_characters_turned_into_wildcards()
    {
        var row = Gen.Elements(Alphabet.Where(c => c is not ('*' or '?')).ToArray()).ListOf().Select(cs => new string([.. cs]));
        var masks = Gen.Elements(0, 1, 2).ListOf();
        return Prop.ForAll(Gen.Zip(row, masks).ToArbitrary(), pair =>
        {
            var (text, mask) = pair;
            var filter = new System.Text.StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                int how = i < mask.Count ? mask[i] : 0;
                filter.Append(how switch { 1 => "?", 2 => "*", _ => char.IsUpper(text[i]) ? char.ToLowerInvariant(text[i]) : char.ToUpperInvariant(text[i]) });
            }

            return GlobPattern.IsMatch(filter.ToString(), text);
        });
    }
}
