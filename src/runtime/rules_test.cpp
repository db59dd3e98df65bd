#include "runtime/rules.h"
#include <gtest/gtest.h>
namespace customs::runtime { namespace { TEST(RulesTest, Placeholder) { EXPECT_FALSE(DefaultRulesText().empty()); } } }
