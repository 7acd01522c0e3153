#include "daemon/state/noderange.hpp"

#include "daemon/state/pattern.hpp"

#include <algorithm>
#include <cctype>

namespace cc::state {

namespace {

enum class Op { Union, Exclude, Intersect };

// A parsed noderange: either an atom (text, brackets kept) or a sequence of
// terms joined by operators, evaluated left to right.
struct Term {
    std::string atom;            // set when children is empty
    std::vector<Term> children;  // a parenthesised or top-level expression
    std::vector<Op> ops;         // ops[i] joins children[i] and children[i+1]
    bool is_atom() const { return children.empty(); }
};

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("~^$/=-_:.*+!").find(c) != std::string_view::npos;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    Term parse() {
        if (text_.empty()) fail("the noderange is empty");
        Term t = expression();
        if (pos_ < text_.size()) {
            if (text_[pos_] == ')') fail("unexpected ')'");
            fail(std::string("unexpected character '") + text_[pos_] + "'");
        }
        return t;
    }

    [[noreturn]] void fail(const std::string& reason) const {
        throw NoderangeError(proto::ResultCode::BadRequest,
                             "invalid noderange '" + std::string(text_) + "': " + reason);
    }

  private:
    Term expression() {
        Term e;
        e.children.push_back(term(nullptr));
        while (pos_ < text_.size() && (text_[pos_] == ',' || text_[pos_] == '@')) {
            const char* after = text_[pos_] == ',' ? "','" : "'@'";
            Op op = text_[pos_] == ',' ? Op::Union : Op::Intersect;
            ++pos_;
            if (op == Op::Union && pos_ < text_.size() && text_[pos_] == '-') {
                op = Op::Exclude;
                after = "',-'";
                ++pos_;
            }
            e.ops.push_back(op);
            e.children.push_back(term(after));
        }
        return e;
    }

    Term term(const char* after) {
        if (pos_ < text_.size() && text_[pos_] == '(') {
            // Bounded so that a hostile command cannot exhaust the stack of every member.
            if (++depth_ > kMaxDepth) fail("parentheses nested deeper than 32 levels");
            ++pos_;
            if (pos_ < text_.size() && text_[pos_] == ')') fail("empty parentheses");
            Term inner = expression();
            if (pos_ >= text_.size() || text_[pos_] != ')') fail("missing ')'");
            ++pos_;
            --depth_;
            return inner;
        }
        Term t;
        size_t start = pos_;
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '[') {
                size_t close = text_.find(']', pos_);
                if (close == std::string_view::npos) fail("missing ']'");
                pos_ = close + 1;
            } else if (c == ']') {
                fail("unexpected ']'");
            } else if (is_word_char(c)) {
                ++pos_;
            } else {
                break;
            }
        }
        t.atom = std::string(text_.substr(start, pos_ - start));
        if (t.atom.empty()) {
            if (after) fail(std::string("nothing after ") + after);
            if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '@' &&
                text_[pos_] != ')')
                fail(std::string("unexpected character '") + text_[pos_] + "'");
            fail("nothing before '" + std::string(1, pos_ < text_.size() ? text_[pos_] : ' ') +
                 "'");
        }
        if (t.atom[0] == '-') fail("an exclusion needs a range before it, as in 'everything,-n1'");
        return t;
    }

    static constexpr int kMaxDepth = 32;
    std::string_view text_;
    size_t pos_ = 0;
    int depth_ = 0;
};

// Splits into alternating runs of digits and non-digits.
std::vector<std::string> runs(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        bool digits = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
        size_t start = i;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0) == digits) ++i;
        out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

std::string padded(uint64_t n, size_t width) {
    std::string s = std::to_string(n);
    if (s.size() < width) s.insert(0, width - s.size(), '0');
    return s;
}

class Evaluator {
  public:
    Evaluator(const Parser& parser, const NodeSource* source) : parser_(parser), source_(source) {}

    NodeSet eval(const Term& t, const NodeSet* filter) {
        if (t.is_atom()) return atom(t.atom, filter);
        NodeSet current = eval(t.children[0], nullptr);
        for (size_t i = 0; i < t.ops.size(); ++i) {
            const Term& rhs = t.children[i + 1];
            if (t.ops[i] == Op::Union) {
                NodeSet more = eval(rhs, nullptr);
                current.merge(more);
            } else {
                NodeSet other = eval(rhs, &current);
                if (t.ops[i] == Op::Exclude) {
                    for (const auto& n : other) current.erase(n);
                } else {
                    std::erase_if(current, [&](const std::string& n) { return !other.count(n); });
                }
            }
            check_size(current.size());
        }
        return current;
    }

    void raise_unknown() const {
        if (unknown_.empty()) return;
        std::vector<std::string> names = natural_sorted(unknown_);
        std::string msg = names.size() == 1 ? "Unknown node " : "Unknown nodes ";
        size_t shown = std::min<size_t>(names.size(), 10);
        for (size_t i = 0; i < shown; ++i) msg += (i ? "," : "") + names[i];
        if (shown < names.size()) msg += ",... (" + std::to_string(names.size()) + " in all)";
        throw NoderangeError(proto::ResultCode::NotFound, msg);
    }

  private:
    void check_size(size_t n) const {
        if (n > kMaxNoderangeNames)
            parser_.fail("it expands to more than " + std::to_string(kMaxNoderangeNames) +
                         " names");
    }

    NodeSet atom(const std::string& text, const NodeSet* filter) {
        if (text[0] == '/' || text[0] == '~') return name_match(text.substr(1), filter);
        if (text.find('=') != std::string::npos || text.find("!~") != std::string::npos)
            return attribute_match(text, filter);
        NodeSet out;
        for (const auto& name : expand_brackets(text)) plain(name, out);
        return out;
    }

    // n[1-3]x[01-02] -> n1x01, n1x02, n2x01, ... (bracket text is a numeric list).
    std::vector<std::string> expand_brackets(const std::string& text) const {
        std::vector<std::string> names{""};
        size_t pos = 0;
        while (pos < text.size()) {
            size_t open = text.find('[', pos);
            std::string literal = text.substr(pos, open == std::string::npos ? open : open - pos);
            for (auto& n : names) n += literal;
            if (open == std::string::npos) break;
            size_t close = text.find(']', open);
            auto numbers =
                bracket_numbers(std::string_view(text).substr(open + 1, close - open - 1));
            check_size(names.size() * numbers.size());
            std::vector<std::string> next;
            next.reserve(names.size() * numbers.size());
            for (const auto& n : names)
                for (const auto& num : numbers) next.push_back(n + num);
            names = std::move(next);
            pos = close + 1;
        }
        return names;
    }

    std::vector<std::string> bracket_numbers(std::string_view inside) const {
        std::vector<std::string> out;
        if (inside.empty()) parser_.fail("empty brackets '[]'");
        size_t pos = 0;
        while (pos <= inside.size()) {
            size_t comma = inside.find(',', pos);
            std::string_view piece = inside.substr(
                pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
            size_t sep = piece.find_first_of("-:.");
            std::string_view lo = piece.substr(0, sep);
            std::string_view hi;
            if (sep != std::string_view::npos) {
                size_t skip = piece.substr(sep, 2) == ".." ? 2 : 1;
                hi = piece.substr(sep + skip);
                if (piece[sep] == '.' && skip != 2) hi = {};
            }
            if (!all_digits(lo) || (sep != std::string_view::npos && !all_digits(hi)))
                parser_.fail("'[" + std::string(inside) + "]' is not a list of numbers or ranges");
            if (sep == std::string_view::npos) {
                out.emplace_back(lo);
            } else {
                if (lo.size() > 18 || hi.size() > 18) parser_.fail("number too large");
                uint64_t a = std::stoull(std::string(lo)), b = std::stoull(std::string(hi));
                if (a > b) parser_.fail("range '" + std::string(piece) + "' goes backwards");
                check_size(out.size() + (b - a + 1));
                for (uint64_t n = a; n <= b; ++n) out.push_back(padded(n, lo.size()));
            }
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
        return out;
    }

    // A name, a group, or a range such as n1-n20, n01:n10, n1..n5.
    void plain(const std::string& name, NodeSet& out) {
        if (source_) {
            if (source_->is_node(name)) {
                out.insert(name);
                return;
            }
            if (source_->add_group_members(name, out)) return;
        }
        auto names = range(name);
        if (!names) {
            if (source_)
                unknown_.insert(name);
            else
                out.insert(name);
            return;
        }
        for (auto& n : *names) {
            if (!source_ || source_->is_node(n)) {
                out.insert(std::move(n));
            } else if (!source_->add_group_members(n, out)) {
                unknown_.insert(std::move(n));
            }
        }
        check_size(out.size());
    }

    // nullopt when `name` is not a range (it then stands for itself).
    std::optional<std::vector<std::string>> range(const std::string& name) const {
        std::string delim = name.find(':') != std::string::npos    ? ":"
                            : name.find("..") != std::string::npos ? ".."
                            : name.find('-') != std::string::npos  ? "-"
                                                                   : "";
        if (delim.empty()) return std::nullopt;
        std::vector<std::string> pieces;
        for (size_t pos = 0;;) {
            size_t at = name.find(delim, pos);
            pieces.push_back(name.substr(pos, at == std::string::npos ? at : at - pos));
            if (at == std::string::npos) break;
            pos = at + delim.size();
        }
        if (pieces.size() % 2 != 0) return std::nullopt;
        auto join = [&](size_t from, size_t to) {
            std::string s;
            for (size_t i = from; i < to; ++i) s += (i > from ? delim : "") + pieces[i];
            return s;
        };
        std::string left = join(0, pieces.size() / 2),
                    right = join(pieces.size() / 2, pieces.size());
        auto lb = runs(left), rb = runs(right);
        if (lb.size() != rb.size() || lb.empty()) return std::nullopt;
        std::vector<std::string> names{""};
        for (size_t i = 0; i < lb.size(); ++i) {
            if (lb[i] == rb[i]) {
                for (auto& n : names) n += lb[i];
                continue;
            }
            if (!all_digits(lb[i]) || !all_digits(rb[i])) return std::nullopt;
            if (lb[i].size() > 18 || rb[i].size() > 18) parser_.fail("number too large");
            uint64_t a = std::stoull(lb[i]), b = std::stoull(rb[i]);
            if (a == b) return std::nullopt;  // same number, different padding
            if (a > b) parser_.fail("range '" + name + "' goes backwards");
            check_size(b - a + 1);  // first alone: the product below could overflow
            check_size(names.size() * (b - a + 1));
            std::vector<std::string> next;
            for (const auto& n : names)
                for (uint64_t k = a; k <= b; ++k) next.push_back(n + padded(k, lb[i].size()));
            names = std::move(next);
        }
        return names;
    }

    std::vector<std::string> candidates(const NodeSet* filter) const {
        NodeSet all;
        if (!filter) source_->add_all_nodes(all);
        const NodeSet& from = filter ? *filter : all;
        return {from.begin(), from.end()};
    }

    void require_source(const std::string& what) const {
        if (!source_) parser_.fail(what + " cannot name new nodes");
    }

    Pattern compile(const std::string& pattern) const {
        try {
            return Pattern(pattern);
        } catch (const PatternError& e) {
            parser_.fail(e.what());
        }
    }

    // A pattern too complex to run is bad input, not a crash.
    bool search(const std::string& s, const Pattern& re) const {
        try {
            return re.search(s);
        } catch (const PatternError& e) {
            parser_.fail(e.what());
        }
    }

    NodeSet name_match(const std::string& pattern, const NodeSet* filter) const {
        require_source("a name match");
        Pattern re = compile(pattern);
        NodeSet out;
        for (auto& n : candidates(filter))
            if (search(n, re)) out.insert(std::move(n));
        return out;
    }

    NodeSet attribute_match(const std::string& text, const NodeSet* filter) const {
        require_source("an attribute match");
        size_t p = text.find_first_of("=!");
        std::string attr = text.substr(0, p);
        bool negate = text[p] == '!';
        size_t vpos = p + (negate ? 1 : 0);
        if (vpos >= text.size() || (text[vpos] != '=' && text[vpos] != '~'))
            parser_.fail("expected '=', '!=', '=~' or '!~' after '" + attr + "'");
        bool regex = text[vpos] == '~';
        ++vpos;
        if (!regex && vpos < text.size() && text[vpos] == '~') {
            regex = true;
            ++vpos;
        }
        if (attr.empty()) parser_.fail("attribute name missing before '" + text.substr(p) + "'");
        std::string value = text.substr(vpos);
        std::optional<Pattern> re;
        if (regex) re.emplace(compile(value));
        NodeSet out;
        for (auto& n : candidates(filter)) {
            std::string v = source_->match_value(n, attr).value_or("");
            bool hit = regex ? search(v, *re) : v == value;
            if (hit != negate) out.insert(std::move(n));
        }
        return out;
    }

    const Parser& parser_;
    const NodeSource* source_;
    NodeSet unknown_;
};

NodeSet run(std::string_view noderange, const NodeSource* source) {
    Parser parser(noderange);
    Term t = parser.parse();
    Evaluator ev(parser, source);
    NodeSet out = ev.eval(t, nullptr);
    ev.raise_unknown();
    return out;
}

}  // namespace

// One existing node's name, the most common noderange of a write ("n1"),
// names that node: the parser would make it one atom (word characters, no
// regex, attribute match, brackets or exclusion) and a name that is a node
// is taken as the node before anything else. Every member evaluates the
// noderange of every write it applies, the leader twice more when it
// prepares one, so this skips the parser where it matters most.
namespace {

bool one_plain_name(std::string_view s) {
    if (s.empty() || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
               c == ':';
    });
}

}  // namespace

NodeSet evaluate_noderange(std::string_view noderange, const NodeSource& source) {
    if (one_plain_name(noderange)) {
        std::string name(noderange);
        if (source.is_node(name)) return NodeSet{std::move(name)};
    }
    return run(noderange, &source);
}

NodeSet expand_noderange_names(std::string_view noderange) {
    return run(noderange, nullptr);
}

std::vector<std::string> natural_sorted(const NodeSet& set) {
    std::vector<std::string> out(set.begin(), set.end());
    std::sort(out.begin(), out.end(),
              [](const std::string& a, const std::string& b) { return natural_less(a, b); });
    return out;
}

}  // namespace cc::state
