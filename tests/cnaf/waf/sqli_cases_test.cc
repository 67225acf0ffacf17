// SQL injection classes, one table each: attacks of the class that must be found, and the
// benign values closest to it (names, prose, code in a forum post, dates, versions, maths)
// that must not be. The general table is in detectors_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::detects;

void table(const std::vector<std::string>& attacks, const std::vector<std::string>& benign,
           Source source = Source::query) {
  for (const auto& a : attacks) EXPECT_TRUE(detects(detect_sqli, a, source)) << "missed attack: " << a;
  for (const auto& b : benign) EXPECT_FALSE(detects(detect_sqli, b, source)) << "false positive: " << b;
}

// Hard benign values every class must pass.
const std::vector<std::string> kCommonBenign = {
    "O'Brien", "Tom O'Neil and Mary", "2024-01-15", "v1.2.3", "1.2.3-beta", "3.14 * 2 = 6.28",
    "(see above)", "Select all that apply", "union of two sets", "rock and roll", "1/2 cup",
    "The user (admin) can replace the date", "Price: 10-20 EUR", "it's a 'select' few"};

TEST(WafSqliCases, UnionAfterAnExpressionClosingAQuote) {
  table({"'-@aa1-@a union select us3rs from table1", "'-@a2^@a3 union select x from t", "test'-1/1/**/union(select table)",
         "1'id=-13 union select 1,2,3,4,5/*"},
        {"O'Brien - union rep", "it's 5 - union members", "rock'n'roll - union select few"});
}

TEST(WafSqliCases, OperatorBetweenQuotesImplicitConversion) {
  // Inside the query's quotes these read '' - '', 'a' ^ 'b': an expression, not a string.
  table({"'-'", "' OR '", "'&&'", "' DIV '", "'||'", "a '^' b", "x 'xor' y", "'+'", "' * '"},
        {"\"*\"", "'order'", "Rock 'n' roll", "it's - ok", "'-' is a dash", "a '-' b c", "'-", "'orange'"});
}

TEST(WafSqliCases, UnionDistinctAsUnionAll) {
  table({"asd' union distinct(select null,password,null from users)--a", "1 union distinct select 1,2",
         "-1 union distinct", "x' union distinct (select 1)#"},
        {"the union distinct from the party", "a union, distinct and proud"});
}

TEST(WafSqliCases, PaddingBeforeThePayloadHidesNothing) {
  // More tokens than one tokenization holds: the rest is read in overlapping windows.
  std::string pad;
  for (int i = 0; i < 60; ++i) pad += "word ";
  for (const std::string& tail : {std::string("x union all select 1,2,3"), std::string("1; drop table users"),
                                  std::string("x waitfor delay '0:0:5'"), std::string("a = (select password from users)")}) {
    EXPECT_TRUE(detects(detect_sqli, pad + tail)) << tail;
    for (int shift = 1; shift < 40; ++shift)  // across every window boundary
      EXPECT_TRUE(detects(detect_sqli, pad.substr(0, pad.size() - 5 * static_cast<std::size_t>(shift)) + tail))
          << shift << " " << tail;
  }
  EXPECT_FALSE(detects(detect_sqli, pad + "and then we select the union of both sets from the list"));
}

TEST(WafSqliCases, SubqueryWithAnArithmeticColumn) {
  table({"(select login/2 from users limit 1,1)", "(select id-0 from users limit 1,1)"},
        {"Select size - 2 options from the list", "(pick one - 2 from each)"});
}

TEST(WafSqliCases, FunctionCallValues) {
  table({"concat(0x7e,version(),0x7e)", "unhex(", "group_concat(table_name)", "user(", "database (",
         "user()", "version()", "now(", "if(1=1,sleep(5),0)", "if(2=", "COALESCE(", "substring(password,1,1)",
         "(cast((chr(113)||chr(113))||(select 1)", "exp(~(select * from (select user())x))",
         "ascii(substring(version() from 1 for 1))", "-char(113)+char(118)"},
        {"date (YYYY-MM-DD)", "replace(old, new) in python", "round(2.5)", "sqrt(2)", "time (seconds)",
         "max(a, b) returns the larger", "count(*) is slow on big tables", "left(s, 3)"});
  table({}, kCommonBenign);
}

TEST(WafSqliCases, ConditionAndClauseFragments) {
  table({"AND x = '", "|| c == '", "or (7319=8742)", "&&(e===", "and 1=(", "AND uid!=(",
         "from `db`.`t` limit", "FROM t WHERE id = 1", "from(select count(*)", "HAVING 1=",
         ") AS val FROM", "; insert into", ";drop", "; set @a", "in (0,1)", "IN (815914, 815913)",
         "in ( select id from t", "IS NULL", "LIKE NULL", ") like (", "1=1", "b,1=1",
         "42 like 42", "11!=1", "1 is not 2", "'1' not regexp '2'"},
        {"And 1.1.81 is officially", "and it is fine", "or whatever", "from home where I live",
         "From time to time", "Having 2 kids", "in (the) box", "is null safe?", "like it or not",
         "known as Bob from Paris", "x=5", "a = b", "2 + 2 = 4 ok", "5 > 3", "1 < 2", "true or false",
         "set @home", "now()", "pi()"});
}

TEST(WafSqliCases, ExpressionClosedByComment) {
  table({" ( BINARY ( 'b') )  --", "1 * 1--", "(1) OR (1 OR 1)--", " ( @a OR ( 'b') )  --",
         "((1) OR (1 OR 1))--"},
        {"<p>fontname -- Scheme for naming fonts in TeX</p>", "(beta) --", "Version 2 (beta) --",
         "\"flagging\" -american -festive --peace", "1611/IioXXIG1ti8rspL2vbXFy--",
         "/kiwlWTe8Bj+S8H5zz/Sm--x", "see (2 weeks) --", "2 + 2 -- easy", "5 * 3 -- fifteen",
         "(a + b) * c -- see"});
}

TEST(WafSqliCases, StatementsAndBlocks) {
  table({"1;begin dbms_lock.sleep(5); end", "1));begin user_lock.sleep(5); end--",
         "1;create or replace function sleep(int) returns int as '/lib/libc.so.6','sleep' language 'c' strict",
         "1));select case when 7717=7717 then 1 else null end--", "1,(case when 6620=3092 then 1 else null end)",
         "SO_BUY; IF (1=1) WAITFOR DELAY '00:00:01'--", "1;load data infile \"foo\"",
         "1; delete quick from foo", "1;INSERT /*x*/INTO category(id) VALUES (3)-- -",
         "DROP sampletable;--", "DROP/*comment*/sampletable", "1; EXECUTE AS LOGIN 'root'",
         "1=(select @@version)", "(1589=1589)*1", "1,row(7937,5067)>(select count(*),1)"},
        {"Let's begin the end", "In case when you are done then close it", "drop me a line",
         "Problem with SELECT CASE WHEN name > 0 THEN 'yes' ELS", "load the data file",
         "execute the plan", "delete the old files from disk", "create or edit a post",
         "Create account -- it's free", "Drop shipping -- how to start", "alter ego; a story"});
}

TEST(WafSqliCases, PostgresCastsAndJsonOperators) {
  table({"password::int", "starts_with(password,'a')::int", "function(foo)::text",
         "1 current_user::int", "OR '{\"b\":2}'::jsonb <@ '{\"a\":1, \"b\":2}'::jsonb",
         "OR '{\"a\":\"b\"}' ? 'a'", "OR '[1,2,3]'::json ->> 2='3'",
         "OR '{\"a\":2}' -> '$.c[2].f' = 7", "encode(lo_get(16400),'base64')::int"},
        {"std::string", "read s :: Int", "(x::Int)", "Foo::Bar::baz()", "a::b", "why?",
         "is it 'a' or 'b'?", "C++ std::vector<int>::iterator"});
}

TEST(WafSqliCases, AfterAClosingQuote) {
  table({"x'|email--", "id'not like id--", "x' mod id--", "'sounds like rowid--", "user'collate nocase--",
         "z'or email notnull--", "admin@juice-sh.op' and email = all (select email)--",
         "a'or'a", "foo'or'oof", "\\'or'1", "'alter a", "'UNION A", "' union/",
         "email=admin@example.com'and not sqlite_compileoption_get (id)--"},
        {"is this your parents' or yours?", "rock'n'roll", "the students' or teachers' room",
         "'countdown calendar\" and \"disney:", "select 'and'", "5' - 10'", "12' x 10'",
         "'Union Station' is in Chicago", "'alter ego' is a phrase"});
}

TEST(WafSqliCases, MoreFragments) {
  table({"; sleep(0)", "SET @OLD_SQL_MODE", ">SET @a", ", FIND_IN_SET('22', Category )",
         "VALUES ('192.168.0.1', 'test')", ") when 234 then", "-1 union", "2 union all",
         "9999 or /*+optimizer hint */ true", "select pg_sleep", "var= @.= ( SELECT",
         "something LIKE '", "'admin', '1'='1'", "procedure analyse (",
         "testing-1 waitfor delay '0:0:15' --", "1.e(ascii)", "-1.e.tables union select 1", "1’ OR ’1’=’x’#;--()"},
        {"set @john as the owner", "values (see below)", "when it rains then it pours", "European union",
         "2 unions", "yes or true", "select a plan", "something like 'this'", "Remote Procedure Calls (RPC)",
         "Don’t worry, it’s fine", "see Table 1.e.", "step 1.e.g. this", "v1.e", "I’m ‘quoted’ here", "1 or 2 true stories"});
}

TEST(WafSqliCases, QuoteBreakouts) {
  table({"` AS `edit_user_id` from", "admin@juice-sh.op`;", "' or abc!", "'  xor  abcdefg!",
         "EmptyValue', '4', '2', '7');declare @q varchar(99);set @q='x'; exec master.dbo.xp_dirtree @q;--",
         "email=' notnull --", "mod(1,1);SET @a = X'5345'", "div(23,-2)", "in (2147483647,-1)",
         "SELECT dDJq WHERE 9896=9896;SELECT (CASE",
         "IF EXISTS (SELECT * FROM users WHERE username = 'root') BENCHMARK(1000000000,MD5(1))",
         "\"1 or 1-", "email=admin@juice-sh.op' or glob (id,id);", "';print'", "hash = 'abc', 0x1a",
         "product = 'item', (5)", "'{\"a\":2}' < '$.c[2].f' = 7"},
        {"use `git log` as the source", "Problem with `rm -f x`", "'or' is a conjunction",
         "it's', 'fine'", "mod (the game)", "Select the item where you want it",
         "(see above) then run it", "in (2019, 2020) we grew", "and 8", "or 88", "\"1 or 2\" people",
         "it's; print it", "x = 'abc', said Bob", "name = 'Bob', age 5 years"});
}

TEST(WafSqliCases, UnionSubqueriesAndTests) {
  table({"1a union (select id from users limit 1,1)", "'1' union (select 1 from users limit 1,1)",
         "union all (select 1)--", "(select top 1 password from users)", "id having (1 or 1)",
         "1 AND 1 SOUNDS LIKE 1", "1 and 1 not between 0 and 1", "HOPE AND (8)=3",
         "2 and(@@version)=@@version", "4 and 31337-31337=0", "17,23 order by 16", "1*1--",
         " ( BINARY ( SELECT 'b') )  --", "FOO,IIF(2510=9436,FOO,1/0)",
         "FOO);IF((6681=9099),SELECT 6681,DROP FUNCTION CGIQ);#", "1 DIV(SELECT ORD(LEFT",
         "1) from users where username='ad1min')"},
        {"European Union (select members only)", "the union (see below)", "select top 10 tips",
         "pages 17,23 order by date", "Tom and (8) friends", "cats or (2 and more)", "apples and (3 or 4) pears", "2 and 3 are not equal",
         "1 not like the other", "( 1 ) --", "a*b--", "foo, if (x) then y", "ord (the word)"});
}

TEST(WafSqliCases, ExpressionBetweenTheQuerysQuotes) {
  table({"A' OR 'B", "A' - 'B", "1\"OR!\"a", "asd\"or!1=\"!1", "aa'or column*0='0",
         "asd' or column&&'1", "1'*UTC_TIME or '1"},
        {"'-\"8", "\"*\"", "Guns N' Roses or 'Queen", "rock 'n' roll", "the 'a' or 'b' options",
         "Tom's and Jerry's", "it's - 'quoted text here'"});
  // Blanks around the value, strings and runs of unary operators inside, a value ending in
  // the quote after two operators, or in a comment.
  table({"xy'^!'xy", "'<~'", "'=+'", "ab' = !!!!!!!!!!'0", "1' OR '1' XOR '0", "zz'|2+2=(4)Or(1)='1",
         " bb'-+!1 or '1", "cd'/1 DIV 1 or+1=+'1 ", "xy'is\\N|!'", "xy'^0+0+1-1=(0)-- -a", "xy'in (0)#(",
         "bar' and 1+2+3=6--"},
        {"select 'and'", "It's a 'great' day", "it's in (brackets) -- see", "Tom's - best (2) --",
         "O'Brien & O'Neil", "the 'best' - or 'worst'",
         "don't 'quote' me", "it's 5' - 6'", "the '90s - '00s", "John's + Mary's"});
}

// Prefixes and pieces of forum titles and search queries (autocomplete sends them).
TEST(WafSqliCases, PiecesOfTechnicalText) {
  table({"1='1' or-- -", "\\`or`1", "a'or?--", "user'and id is not?--", "case when condition1 then result1"},
        {"ascii(7", "ascii(7)", "printf(3)", "dup3(2) fails", "is \"just for\"", "and POI.</p>",
         "\"and output\" the", "CAST(x AS typename) or x::typename construct.",
         "COUNT(*) FROM items WHERE user_id", "`SELECT name FROM users WHERE id = 1;`",
         "Problem with `ALTER TABLE tasks ADD COLUMN user_id", "`INSERT INTO users (qty, category) VALUES`",
         "500 || /* Sin", "case when needed then call me", "In case when X then Y",
         "Rock'n'roll and more -- the best", "the students' or teachers' room -- see", "is\" OR body:ashcan", "and molecular</li></ul>"});
}

TEST(WafSqliCases, NamesCarryingAValue) {
  EXPECT_TRUE(detects(detect_sqli, "pay=AND 2771=1709)", Source::form_name));
  EXPECT_TRUE(detects(detect_sqli, "x=1 union select 1,2", Source::query_name));
  EXPECT_FALSE(detects(detect_sqli, "a=b", Source::query_name));
  EXPECT_FALSE(detects(detect_sqli, "filter[name]=O'Brien", Source::query_name));
  EXPECT_TRUE(detects(detect_sqli, "24'union+all+select+1,2,3+from+aa", Source::path_segment));
  EXPECT_FALSE(detects(detect_sqli, "c++-and-c", Source::path_segment));
  EXPECT_TRUE(detects(detect_sqli, "pay=FROM+`t`+WHERE+id+=+1+LIMIT", Source::form_name));
  EXPECT_FALSE(detects(detect_sqli, "q=c++ or java", Source::form_name));
}

// Blind injection through arithmetic, null tests, Oracle's float literals, and comments
// that hide the query from the MSSQL trace.
TEST(WafSqliCases, ArithmeticNullTestsLiteralsAndTraceHiding) {
  table({"456 + ASCII(substring(passwd,1,1))-10", "234 + (1 / ASCII(substring(passwd,1,1))-4)",
         "WISH AND (-5)=(-2)", "(1)*WISH AND 7=2", " ( BINARY ( @b) )  --",
         "1 - (select count(*) from users)", "1 || user_id is not null", "1 or user_id is not null",
         "1FUNION SELECT 2", "-1dUNION SELECT column_name FROM t", "1'--sp_password", "1-- foo SP_PASSWORD"},
        {"2 + 2 = 4", "1 + max(3, 4)", "Price 12 + tax(5%)", "The value is not null", "Option 1 or 2 is not null",
         "1day", "2for1 deal", "5d ago", "1st place", "see sp_password docs", "-- sp_ prefix --"});
}

// A clause on a column after a number, and subqueries quantified by any / all / some.
TEST(WafSqliCases, ClausesOnColumnsAndQuantifiedSubqueries) {
  table({"1 group by products.id having 1=1--", "1 order by name--", "ANY(SELECT 1) - 1 UNION ALL --",
         "1 - some((select 2))", "x = all (select password from users)"},
        {"1 order by date", "Step 1 order by price then date", "2 group by size", "Choose any (select one)",
         "any (select all that apply)", "pick all (select the ones you like)", "some (select few)"});
}

// A union right after the first quote closes the query's string, however long the text
// before it.
TEST(WafSqliCases, UnionAfterALongPrefix) {
  table({"-Idefix and Ariane 42B' union select 1,2,3,4,version(),6,7,8-- ",
         "some long text here and there' union all select password from users--"},
        {"The workers of the plant's union selected a new leader", "I joined the Teachers' Union. Select your plan",
         "It's the union select committee"});
}

// The no-break space is a blank to MySQL and MSSQL: in UTF-8 or as a Latin-1 byte.
TEST(WafSqliCases, NoBreakSpacesAsBlanks) {
  table({"1%A0UNION%A0SELECT%A02--", "1%C2%A0UNION%C2%A0SELECT%C2%A0password%C2%A0FROM%C2%A0users--",
         "1\xA0" "OR\xA0" "1=1--"},
        {"prix%C2%A0:%C2%A010%C2%A0%E2%82%AC", "%C3%A0 la carte", "caf%C3%A9%C2%A0cr%C3%A8me"});
}

// Broken SQL from forum posts: a union or select between numbers, cut by a comment; a probe
// of the server after a number.
TEST(WafSqliCases, BrokenUnionsAndProbesAfterANumber) {
  table({"-6374 union 1,2,3,4,5-- ", "-747 select union 1,2,3,4,5,6/*", "-2 order select 1/*",
         "-123 inion select 1 -- ", "19 version() LIMIT 1,1", "5 database() -- ", "(7) union 1,2#"},
        {"2 union workers -- they struck", "Page 2 select your size -- optional", "3 union members, 2 select committees",
         "Python 3 version() returns a string", "1 union 2 -- see the table below", "10 user() calls"});
}

// Arithmetic on an SQL function of a literal as the whole value; a boolean on a bracketed
// value before a clause or a cutting comment.
TEST(WafSqliCases, ArithmeticOnFunctionsAndBracketedBooleans) {
  table({"1 - ORD('A')", "5 + ascii('x')", "3*length(password)", "14/**/or(1)group\tby", "2 and (0) union",
         "7 or (1)-- "},
        {"1 - max(3, 4)", "2 + 2 = 4", "10 - year(s) of service", "Option 1 or (2) order by date",
         "3 or (4) -- pick one of them", "5 and (6) are both fine"});
}

// A value that opens with a closing bracket ends the query's expression, then takes over.
TEST(WafSqliCases, TakeoverAfterAClosingBracket) {
  table({") OR (SELECT password FROM users ...", ") OR (SELECT password FROM users)", ")) union select 1,2--",
         ") or 1=1--", ");drop table users--"},
        {") see the note above", "):", ") or (maybe) not", ") and then (we left)", ") union members were there"});
}

}  // namespace
}  // namespace defender::cnaf::waf
